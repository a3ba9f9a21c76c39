import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/**
 * Synthesizes a CDK app into a directory of the calling test's own (under .sqs-jobs, git-ignored,
 * inside the repo because the bundles leave @aws-sdk/* external and must find node_modules above
 * them), for `sqs-jobs dev --app DIR`. The caller removes the directory.
 */
export async function synthApp(appFile: string): Promise<string> {
  await mkdir(".sqs-jobs", { recursive: true });
  const outDir = await mkdtemp(join(".sqs-jobs", "cli-test-"));
  await execFileAsync(resolve("node_modules/.bin/tsx"), [appFile], {
    env: {
      ...process.env,
      CDK_OUTDIR: outDir,
      CDK_CONTEXT_JSON: JSON.stringify({ "aws:cdk:enable-asset-metadata": true }),
    },
  });
  return resolve(outDir);
}

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
