import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export interface FauxqsProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The child's pid, for reading its CPU time from /proc. */
  readonly pid: number;
  stop(): Promise<void>;
}

/** fauxqs on loopback only, as `sqs-jobs dev` runs it (fauxqs's own CLI binds every interface). */
const CLI = fileURLToPath(new URL("../../test/reliability/fixtures/fauxqs-child.ts", import.meta.url));

/** Asks the kernel for a free loopback port; fauxqs's CLI takes a port number, not 0. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no TCP address for a free port");
  return address.port;
}

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`fauxqs exited with code ${child.exitCode} before listening`);
    try {
      // Any HTTP answer means the server is listening; fauxqs answers a bare GET with an error body.
      await fetch(endpoint, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`fauxqs did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/**
 * Starts fauxqs in its own process, so its CPU is measured apart from the client's and the two do
 * not share an event loop (in-process, the emulator's work would show up as client CPU).
 */
export async function startFauxqsProcess(
  options: { readonly timeoutMs?: number } = {},
): Promise<FauxqsProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI], {
    env: { ...process.env, FAUXQS_PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not spawn fauxqs");
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(endpoint, child, options.timeoutMs ?? 15_000);
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
