import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { nodeTooOld } from "../../src/core/node-version.ts";

const run = promisify(execFile);
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The system Node of this machine is 20 (the repo's scripts run on the node devDependency). */
async function systemNode20(): Promise<string> {
  const { stdout } = await run("/usr/bin/node", ["--version"]);
  expect(stdout.trim()).toMatch(/^v20\./);
  return "/usr/bin/node";
}

describe("the Node.js version check", () => {
  it("tells a user on Node 20 which Node the CLI needs, before loading anything that fails there", async () => {
    // Given the CLI's entry point as it ships (JavaScript), with the rest left where it is
    const dir = await mkdtemp(join(tmpdir(), "sqs-jobs-node20-"));
    dirs.push(dir);
    await build({
      entryPoints: [resolve("src/bin/sqs-jobs.ts")],
      outfile: join(dir, "main.mjs"),
      bundle: true,
      platform: "node",
      format: "esm",
      logLevel: "silent",
      plugins: [
        {
          name: "keep-launch-external",
          setup(b) {
            b.onResolve({ filter: /\/launch\.ts$/ }, () => ({
              path: resolve("src/bin/launch.ts"),
              external: true,
            }));
          },
        },
      ],
    });
    // When Node 20 runs `sqs-jobs dev`
    const node = await systemNode20();
    const result = await run(node, [join(dir, "main.mjs"), "dev"]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    // Then it exits 1 and says what is needed, not "No such built-in module: node:sqlite"
    expect("code" in result ? result.code : 0).toBe(1);
    expect(result.stderr).toMatch(
      /^error: sqs-jobs needs Node\.js >= 22\.12 \(this is Node\.js 20\.\d+\.\d+\)/,
    );
    expect(result.stderr).not.toMatch(/sqlite|ERR_/);
  }, 30_000);

  it("compares major and minor", () => {
    expect(nodeTooOld([22, 15], "x", "22.14.9")).toMatch(/needs Node\.js >= 22\.15/);
    expect(nodeTooOld([22, 15], "x", "22.15.0")).toBeUndefined();
    expect(nodeTooOld([22, 15], "x", "24.0.0")).toBeUndefined();
    expect(nodeTooOld([22, 12], "x", "21.99.0")).toBeDefined();
  });
});
