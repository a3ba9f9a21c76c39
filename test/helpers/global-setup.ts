import { spawn } from "node:child_process";
import { once } from "node:events";
import type { TestProject } from "vitest/node";

/** Starts ./emulator-child.ts and resolves with its endpoint once it listens. */
async function startEmulatorChild(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  // process.execPath is the Node 24 that runs vitest; it runs the .ts file natively.
  const child = spawn(process.execPath, ["--conditions=sqs-jobs-source", "test/helpers/emulator-child.ts"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8");
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const match = /^endpoint (\S+)$/m.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the test emulator exited with ${code} before listening`)));
  });
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Starts the local stack's one endpoint (./emulator.ts: fauxqs with SQS's rules in front, dynalite,
 * the Scheduler API) on a free loopback port for a test project's run, in a process of its own,
 * unless AWS_ENDPOINT_URL already points somewhere (LocalStack via `npm run test:localstack`,
 * which applies its own rules). Only the projects that talk to AWS APIs use it (vitest.config.ts).
 * Tests isolate themselves by creating uniquely named queues and tables (./ledger-table.ts), so
 * files run in parallel.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_REGION ??= "us-east-1";
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  const given = process.env.AWS_ENDPOINT_URL;
  if (given !== undefined && given !== "") {
    project.provide("sqsEndpoint", given);
    return async () => {};
  }
  const emulator = await startEmulatorChild();
  process.env.AWS_ENDPOINT_URL = emulator.endpoint;
  project.provide("sqsEndpoint", emulator.endpoint);
  return () => emulator.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    sqsEndpoint: string;
  }
}
