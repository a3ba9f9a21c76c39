import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { inject } from "vitest";

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const NODE = resolve("node_modules/.bin/node");
const MAIN = resolve("src/bin/sqs-jobs.ts");

/**
 * Spawns the real CLI (`node src/bin/sqs-jobs.ts`, Node 24 running TypeScript directly) against the
 * run's SQS endpoint, as a user would from a shell.
 */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(NODE, ["--conditions=sqs-jobs-source", MAIN, ...args], {
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
    // A command that does not end in time is killed and reported with code null, so a test of
    // "it ends" fails instead of hanging the suite.
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Every line of a command's output fits an 80-column terminal. */
export function widest(text: string): number {
  return Math.max(0, ...text.split("\n").map((line) => line.length));
}

export interface RunningCli {
  /** Resolves with the first stdout line that parses as JSON. */
  readonly firstJson: Promise<unknown>;
  /** Sends a signal and resolves with the exit code and all output. */
  stop(signal?: NodeJS.Signals): Promise<CliRun>;
}

/** Starts a long-running command (`dev`) and hands back its first JSON line. */
export function startCli(args: readonly string[]): RunningCli {
  const child = spawn(NODE, ["--conditions=sqs-jobs-source", MAIN, ...args], {
    env: { ...process.env, AWS_ENDPOINT_URL: undefined, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<CliRun>((done) => child.on("close", (code) => done({ code, stdout, stderr })));
  const firstJson = new Promise<unknown>((done, fail) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined) done(JSON.parse(line));
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    void exited.then((r) => fail(new Error(`exited ${r.code} before printing JSON: ${r.stderr}`)));
  });
  return {
    firstJson,
    async stop(signal = "SIGINT") {
      child.kill(signal);
      return exited;
    },
  };
}
