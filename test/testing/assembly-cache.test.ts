import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedAssembly } from "../../tools/src/testing/assembly-cache.ts";

/**
 * The synth cache, with a stand-in for a CDK app: a script that writes a one-queue cloud assembly
 * into CDK_OUTDIR (slowly, so concurrent synths overlap) and counts its runs in a dot directory (which the key
 * leaves out, as it leaves out .git and .sqs-jobs).
 */
const APP = `import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const out = process.env.CDK_OUTDIR;
mkdirSync(out, { recursive: true });
mkdirSync(".runs", { recursive: true });
appendFileSync(".runs/log", "synth\\n");
// The manifest first and the template last: a reader that sees the manifest of an unfinished
// synth finds no template.
writeFileSync(join(out, "manifest.json"), JSON.stringify({ version: "48.0.0", artifacts: { App: { type: "aws:cloudformation:stack", properties: { templateFile: "App.template.json" } } } }));
await new Promise((resolve) => setTimeout(resolve, 300));
writeFileSync(join(out, "App.template.json"), JSON.stringify({ Resources: { Q: { Type: "AWS::SQS::Queue" } } }));
`;

let project: string;
const cache = (cwd = project) => cachedAssembly({ cwd, app: undefined, cacheDir: ".sqs-jobs/testing" });
const runs = async () =>
  (await readFile(join(project, ".runs", "log"), "utf8").catch(() => "")).split("\n").filter(Boolean).length;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "sqs-jobs-cache-"));
  await writeFile(join(project, "app.mjs"), APP);
  await writeFile(
    join(project, "cdk.json"),
    JSON.stringify({
      app: `"${process.execPath}" app.mjs`,
      watch: { include: ["**"], exclude: ["**/*.test.ts"] },
    }),
  );
  await mkdir(join(project, "handlers"));
  await writeFile(join(project, "handlers", "email.ts"), "export const handler = 1;\n");
});

afterAll(() => rm(project, { recursive: true, force: true }));

describe("the synth cache", () => {
  it("synthesizes once, then serves the same assembly", async () => {
    const first = await cache();
    const second = await cache();
    expect(first.synthesized).toBe(true);
    expect(second).toEqual({ ...first, synthesized: false });
    expect(await readdir(first.dir)).toContain("manifest.json");
    expect(await runs()).toBe(1);
  });

  it("synthesizes again when a handler changes, and not for files the synth cannot read", async () => {
    const before = await cache();
    await mkdir(join(project, "node_modules", "dep"), { recursive: true });
    await writeFile(join(project, "node_modules", "dep", "index.js"), "changed\n");
    await writeFile(join(project, "handlers", "email.test.ts"), "excluded by cdk.json's watch\n");
    await mkdir(join(project, ".git"), { recursive: true });
    await writeFile(join(project, ".git", "HEAD"), "ref\n");
    expect(await cache()).toEqual({ ...before, synthesized: false });

    await appendFile(join(project, "handlers", "email.ts"), "// a change\n");
    const after = await cache();
    expect(after.synthesized).toBe(true);
    expect(after.key).not.toBe(before.key);
  });

  it("synthesizes once for test files that start together, and none sees a half-written assembly", async () => {
    await writeFile(join(project, "handlers", "email.ts"), "export const handler = 2;\n");
    const before = await runs();
    // One starts, the others once its synth has begun writing.
    // Each caller looks at its assembly the moment it gets it.
    const seen = () => cache().then(async (a) => ({ ...a, files: await readdir(a.dir) }));
    const first = seen();
    while ((await runs()) === before) await new Promise((resolve) => setTimeout(resolve, 20));
    const all = await Promise.all([first, seen(), seen(), seen()]);
    expect(new Set(all.map((a) => a.dir)).size).toBe(1);
    for (const a of all) expect(a.files).toContain("App.template.json");
    expect(await runs()).toBe(before + 1);
    expect(all.map((a) => a.synthesized).sort()).toEqual([false, false, false, true]);
    const [one] = all;
    expect(JSON.parse(await readFile(join(one?.dir ?? "", "manifest.json"), "utf8"))).toHaveProperty(
      "artifacts.App",
    );
    // No synth's scratch directory or lock is left behind.
    const entries = await readdir(join(project, ".sqs-jobs", "testing"));
    expect(entries.filter((e) => e.startsWith("synth-") || e.endsWith(".lock"))).toEqual([]);
  });

  it("keeps the latest assemblies, and removes older ones unused for ten minutes", async () => {
    const root = join(project, ".sqs-jobs", "testing");
    // Given six old keys, one of them used a minute ago
    const hour = (Date.now() - 3_600_000) / 1000;
    const old = Array.from({ length: 6 }, (_, i) => `${"0".repeat(31)}${i}`);
    for (const key of old) {
      await mkdir(join(root, key), { recursive: true });
      await utimes(join(root, key), hour - Number(key.at(-1)), hour - Number(key.at(-1)));
    }
    const recent = Date.now() / 1000 - 60;
    await utimes(join(root, old[5] ?? ""), recent, recent);
    // When a new key is synthesized
    await appendFile(join(project, "handlers", "email.ts"), "// another change\n");
    const fresh = await cache();
    // Then the new one and the four most recently used stay, and the recently used one
    const left = (await readdir(root)).filter((name) => /^[0-9a-f]{32}$/.test(name)).sort();
    expect(left).toContain(fresh.key);
    expect(left).toContain(old[5]);
    expect(left).toHaveLength(5);
    expect(left).not.toContain(old[4]);
  });

  it("says which CDK app failed, with its output", async () => {
    const broken = await mkdtemp(join(tmpdir(), "sqs-jobs-cache-broken-"));
    try {
      await writeFile(
        join(broken, "cdk.json"),
        JSON.stringify({ app: `"${process.execPath}" -e "process.exit(3)"` }),
      );
      await expect(cache(broken)).rejects.toMatchObject({
        code: "ERR_CONFIG",
        message: /exited with code 3/,
      });
      // Nothing is cached, and the lock is released for the next try.
      expect(await readdir(join(broken, ".sqs-jobs", "testing"))).toEqual([]);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
