import { fork } from "node:child_process";
import { once } from "node:events";
import type { DynaliteServer } from "./dynalite-server.ts";

/** The child's entry, as source under `--conditions=sqs-jobs-source` and built next to this file. */
const ENTRY = new URL(
  `./dynalite-process${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

/**
 * Starts dynalite in a child process of its own (see `dynalite-process.ts`) and resolves once it
 * listens. Its `close` stops the server and waits for the child to end; a child that dies before
 * it listens rejects with its exit code.
 */
export async function forkDynalite(options: {
  key: string;
  path?: string | undefined;
}): Promise<DynaliteServer> {
  const child = fork(ENTRY, [], {
    env: {
      ...process.env,
      SQS_JOBS_DYNALITE_KEY: options.key,
      ...(options.path === undefined ? {} : { SQS_JOBS_DYNALITE_PATH: options.path }),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  // Resolves with the exit code; a child that could not start emits "error" instead, handled below.
  const exited = once(child, "exit").then(
    ([code]) => code as number | null,
    () => null,
  );
  const listening = new Promise<number>((resolve, reject) => {
    child.once("message", (message) => resolve((message as { port: number }).port));
    child.once("error", reject);
    exited.then((code) =>
      reject(new Error(`local DynamoDB's process ended before it listened (exit code ${code})`)),
    );
  });
  const port = await listening;
  // Not kept alive by its child: a stack stopped without close() still lets the process end.
  child.unref();
  child.channel?.unref();
  return {
    port,
    pid: child.pid ?? 0,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send("stop");
      await exited;
    },
  };
}
