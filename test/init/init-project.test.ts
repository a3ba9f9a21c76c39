import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { initProject, initSummary } from "../../src/init/init-project.ts";

const REPO = path.resolve(import.meta.dirname, "..", "..");
/** The package names a generated project imports, pointed at this repo's sources. */
const SOURCES: Record<string, string> = {
  "sqs-jobs": path.join(REPO, "src", "index.ts"),
  "sqs-jobs/cdk": path.join(REPO, "cdk", "lib", "index.ts"),
  "sqs-jobs-tools/testing": path.join(REPO, "tools", "src", "testing", "index.ts"),
};
/** The tools' sources reach the runtime's as `sqs-jobs/internal/*`: resolved to src/*.ts here. */
const INTERNAL = { find: "^sqs-jobs/internal/(.*)$", replacement: path.join(REPO, "src", "$1.ts") };

mkdirSync(path.join(REPO, ".sqs-jobs"), { recursive: true });
// Under the repo (git-ignored), so the project resolves zod, aws-cdk-lib, vitest... from its node_modules.
const scratch = mkdtempSync(path.join(REPO, ".sqs-jobs", "init-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("sqs-jobs init", () => {
  it("writes every file of the project into a new directory, and says what to run next", async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), "sqs-jobs-init-")), "My Jobs");
    const result = await initProject(dir, { sqsJobsRange: "^1.2.3" });
    expect(result.files).toEqual([
      "package.json",
      "tsconfig.json",
      "cdk.json",
      ".gitignore",
      "README.md",
      "cdk/app.ts",
      "src/jobs.ts",
      "src/handler.ts",
      "test/jobs.test.ts",
    ]);
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    expect(pkg).toMatchObject({
      name: "my-jobs",
      type: "module",
      scripts: { dev: "sqs-jobs dev", test: "vitest run", deploy: "cdk deploy" },
      dependencies: { "sqs-jobs": "^1.2.3" },
      devDependencies: { "sqs-jobs-tools": "^1.2.3", "aws-cdk": "^2.1148.1" },
    });
    expect(readFileSync(path.join(dir, "cdk", "app.ts"), "utf8")).toContain('new Stack(app, "MyJobs")');
    expect(initSummary(result, path.dirname(dir))).toContain("cd My Jobs\n  npm install\n  npm test");
  });

  it("writes the files the README's quick start shows, as it shows them", async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), "sqs-jobs-init-")), "my-app");
    await initProject(dir);
    const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
    const quickStart = readme.split("\n## Quick start\n")[1]?.split("\n## ")[0] ?? "";
    const shown = [...quickStart.matchAll(/```ts\n\/\/ ([\w./-]+)\n([\s\S]*?)```/g)];
    expect(shown.map((m) => m[1])).toEqual([
      "src/jobs.ts",
      "src/handler.ts",
      "cdk/app.ts",
      "test/jobs.test.ts",
    ]);
    for (const [, file = "", code] of shown) {
      expect(code, file).toBe(readFileSync(path.join(dir, file), "utf8"));
    }
  });

  it("takes its version range from the running package by default", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "sqs-jobs-init-"));
    await initProject(dir);
    const own = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")).version;
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    expect(pkg.dependencies["sqs-jobs"]).toBe(`^${own}`);
  });

  it("writes into a directory holding only .git, and refuses one with other files, writing nothing", async () => {
    const withGit = await mkdtemp(path.join(tmpdir(), "sqs-jobs-init-"));
    await mkdir(path.join(withGit, ".git"));
    await expect(initProject(withGit)).resolves.toMatchObject({ dir: withGit });

    const used = await mkdtemp(path.join(tmpdir(), "sqs-jobs-init-"));
    await writeFile(path.join(used, "notes.txt"), "mine");
    await expect(initProject(used)).rejects.toMatchObject({
      code: "ERR_INIT_DIR_NOT_EMPTY",
      message: expect.stringContaining("is not empty (notes.txt)"),
    });
    expect(await readdir(used)).toEqual(["notes.txt"]);
  });

  it("writes TypeScript that typechecks under the project's own tsconfig", async () => {
    const dir = path.join(scratch, "typecheck");
    await initProject(dir);
    const config = ts.readConfigFile(path.join(dir, "tsconfig.json"), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dir);
    expect(parsed.errors).toEqual([]);
    const program = ts.createProgram(parsed.fileNames, {
      ...parsed.options,
      paths: Object.fromEntries(Object.entries(SOURCES).map(([name, file]) => [name, [file]])),
      customConditions: ["sqs-jobs-source"],
    });
    // Only the project's own errors: the sources are checked with the repo's settings elsewhere.
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && path.resolve(d.file.fileName).startsWith(dir))
      .map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    expect(parsed.fileNames.map((f) => path.relative(dir, f)).sort()).toEqual([
      "cdk/app.ts",
      "src/handler.ts",
      "src/jobs.ts",
      "test/jobs.test.ts",
    ]);
    expect(errors).toEqual([]);
  }, 120_000);

  it("writes a test that passes: the job runs through the Lambda entry's bindings and succeeds", async () => {
    const dir = path.join(scratch, "run");
    await initProject(dir);
    // The project's own test as `npm test` runs it, with the package names pointed at the sources.
    writeFileSync(
      path.join(dir, "vitest.config.ts"),
      `const alias = [
  { find: new RegExp(${JSON.stringify(INTERNAL.find)}), replacement: ${JSON.stringify(INTERNAL.replacement)} },
  ...Object.entries(${JSON.stringify(SOURCES)}).map(([name, file]) => ({ find: new RegExp(\`^\${name}$\`), replacement: file })),
];
export default { resolve: { alias } };\n`,
    );
    const run = await vitest(dir);
    expect(run.output).toMatch(/1 passed/);
    expect(run.code).toBe(0);
  }, 120_000);
});

/** `vitest run` in the project's directory, its exit code and everything it printed. */
async function vitest(cwd: string): Promise<{ code: number | null; output: string }> {
  const bin = path.join(REPO, "node_modules", ".bin", "vitest");
  const child = spawn(bin, ["run"], { cwd, env: { ...process.env, NO_COLOR: "1", CI: "1" } });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, output };
}
