import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

export interface EmulatorProcess {
  readonly endpoint: string;
  /** Stops fauxqs (SIGTERM, state flushed to its data directory) and starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function spawnFauxqs(port: number, dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  // process.execPath is the Node 24 that runs vitest (or the soak script); it runs .ts natively.
  const child = spawn(process.execPath, ["test/reliability/fixtures/fauxqs-child.ts"], {
    env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.setEncoding("utf8");
  const started = new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (chunk: string) => {
      out += chunk;
      const match = /port (\d+)/.exec(out);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`fauxqs child exited with ${code} before listening`)));
  });
  return { child, port: await started };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

/** fauxqs in a child process with persistence in `dataDir`, for tests that restart the emulator. */
export async function startEmulatorProcess(dataDir: string): Promise<EmulatorProcess> {
  let { child, port } = await spawnFauxqs(0, dataDir);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async restart(downMs = 1_000) {
      await stopChild(child);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      ({ child, port } = await spawnFauxqs(port, dataDir));
    },
    stop: () => stopChild(child),
  };
}
