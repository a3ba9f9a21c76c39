import { execFile } from "node:child_process";
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
