import { spawn } from "node:child_process";
import { resolve } from "node:path";

/**
 * Runs `sqs-jobs dev` as a person would (no --json) until it says it is ready, then stops it:
 * what it printed, and how long it took.
 */
export async function devOutput(args: readonly string[], env: Record<string, string | undefined> = {}) {
  const started = Date.now();
  const child = spawn(
    resolve("node_modules/.bin/node"),
    ["--conditions=sqs-jobs-source", resolve("src/bin/sqs-jobs.ts"), "dev", ...args],
    {
      env: { ...process.env, AWS_ENDPOINT_URL: undefined, npm_package_name: undefined, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  let stopped = false;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    // Once: a second SIGINT means "exit now", and one landing as it exits ends it by the signal.
    if (!stopped && stdout.includes("Press Ctrl-C to stop.")) {
      stopped = true;
      child.kill("SIGINT");
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.on("close", done));
  return { code, stdout, stderr, ms: Date.now() - started };
}
