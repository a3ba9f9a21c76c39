import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, widest } from "./run-cli.ts";

describe("sqs-jobs init", () => {
  it("writes a project, lists its files and the next steps, and refuses to write over it", async () => {
    // Given a directory that does not exist yet
    const dir = path.join(await mkdtemp(path.join(tmpdir(), "sqs-jobs-cli-init-")), "shop-jobs");

    // When init runs
    const run = await runCli(["init", dir]);

    // Then it wrote the project and says what to run next
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`wrote a new sqs-jobs project in ${dir}:\n  package.json\n`);
    expect(run.stdout).toMatch(
      /next:\n {2}cd .*shop-jobs\n {2}npm install\n {2}npm test .*\n {2}npm run dev /,
    );
    expect(existsSync(path.join(dir, "src", "handler.ts"))).toBe(true);

    // And a second run refuses the now non-empty directory with the error's code
    const again = await runCli(["init", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("is not empty (");
    expect(again.stderr).toContain("ERR_INIT_DIR_NOT_EMPTY");
  });

  it("`init --help` fits 80 columns", async () => {
    const run = await runCli(["init", "--help"]);
    expect(run.stdout).toContain("Usage: sqs-jobs init [dir]");
    expect(widest(run.stdout)).toBeLessThanOrEqual(80);
  });
});
