import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

/** An emulator running in a child process on loopback. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The child's pid, for reading its CPU time from /proc. */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port (fauxqs's CLI takes a port number, not 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no TCP address for a free port");
  return address.port;
}

async function waitUntilUp(name: string, endpoint: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with code ${child.exitCode} before listening`);
    try {
      // Any HTTP answer means the server is listening; emulators answer a bare GET with an error body.
      await fetch(endpoint, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${name} did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/**
 * Runs `node <script>` with the port in `portVariable` and waits until it answers on loopback. An
 * emulator in its own process is measured apart from the client, and the two do not share an
 * event loop (in-process, the emulator's work would show up as client CPU).
 */
export async function startServerProcess(options: {
  readonly name: string;
  readonly script: string;
  readonly portVariable: string;
  readonly timeoutMs?: number;
}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [options.script], {
    env: { ...process.env, [options.portVariable]: String(port) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${options.name}`);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(options.name, endpoint, child, options.timeoutMs ?? 15_000);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    endpoint,
    pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}
