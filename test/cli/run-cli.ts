import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { inject } from "vitest";

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const NODE = resolve("node_modules/.bin/node");
const MAIN = resolve("src/cli/main.ts");

/**
 * Spawns the real CLI (`node src/cli/main.ts`, Node 24 running TypeScript directly) against the
 * run's SQS endpoint, as a user would from a shell.
 */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string | undefined> } = {},
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(NODE, [MAIN, ...args], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: inject("sqsEndpoint"),
        AWS_REGION: process.env.AWS_REGION ?? "us-east-1",
        NO_COLOR: "1",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/** Every line of a command's output fits an 80-column terminal. */
export function widest(text: string): number {
  return Math.max(0, ...text.split("\n").map((line) => line.length));
}
