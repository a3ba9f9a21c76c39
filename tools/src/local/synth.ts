import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ConfigError } from "sqs-jobs/internal/core/errors";

/**
 * Produces a cloud assembly for `app`: a directory that already is one (has manifest.json) is
 * used as it is; otherwise `app` is the CDK app command (default: cdk.json's "app"), run the way
 * the CDK CLI runs it, with CDK_OUTDIR pointing at `outDir`. Running the app directly skips the
 * CLI's start-up and needs no AWS credentials.
 */
export async function synthesize(options: { app?: string; cwd: string; outDir: string }): Promise<string> {
  const given = options.app;
  if (given !== undefined && existsSync(join(resolve(options.cwd, given), "manifest.json"))) {
    return resolve(options.cwd, given);
  }
  const cdkJson = await readCdkJson(options.cwd, given === undefined);
  const command = given ?? appCommand(cdkJson, options.cwd);
  // As the CDK CLI does: cdk.json's context, plus asset metadata so each function's bundled code
  // directory can be found in the template.
  const context = { ...cdkJson.context, "aws:cdk:enable-asset-metadata": true };
  const outDir = resolve(options.cwd, options.outDir);
  await new Promise<void>((done, fail) => {
    const child = spawn(command, {
      cwd: options.cwd,
      shell: true,
      stdio: ["ignore", "inherit", "pipe"],
      env: { ...process.env, CDK_OUTDIR: outDir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    child.on("error", (cause) => fail(new ConfigError(`could not run the CDK app "${command}"`, { cause })));
    child.on("exit", (code) => {
      if (code === 0) done();
      else fail(new ConfigError(`the CDK app "${command}" exited with code ${code}:\n${stderr.trim()}`));
    });
  });
  return outDir;
}

export interface CdkJson {
  readonly app?: unknown;
  readonly context?: Record<string, unknown>;
  /** What `cdk watch` re-synthesizes on: globs relative to cdk.json's directory. */
  readonly watch?: { readonly include?: unknown; readonly exclude?: unknown };
}

export async function readCdkJson(cwd: string, required: boolean): Promise<CdkJson> {
  const path = join(cwd, "cdk.json");
  try {
    return JSON.parse(await readFile(path, "utf8")) as CdkJson;
  } catch (cause) {
    if (!required) return {};
    throw new ConfigError(
      `no CDK app given and ${path} cannot be read; pass --app "<command>" or --app <cdk.out dir>`,
      {
        cause,
      },
    );
  }
}

export function appCommand(config: CdkJson, cwd: string): string {
  if (typeof config.app !== "string" || config.app.trim() === "") {
    throw new ConfigError(`${join(cwd, "cdk.json")} has no "app" command; pass --app "<command>"`);
  }
  return config.app;
}
