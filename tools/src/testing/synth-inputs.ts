import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, matchesGlob, relative } from "node:path";
import type { CdkJson } from "../local/synth.ts";

/** Directories no synth reads from the project itself: dependencies (seen through the lockfile) and outputs. */
const SKIPPED_DIRS = new Set(["node_modules", "cdk.out", "dist", "coverage"]);
/** Read whatever cdk.json's `watch` says: what the dependencies are, and how the app is run. */
const ALWAYS = [
  "cdk.json",
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "pnpm-lock.yaml",
  "yarn.lock",
];

function globs(value: unknown, fallback: readonly string[]): readonly string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return fallback;
}

/** Every file under `dir`, relative to `root`, skipping dependency, output and dot directories. */
async function projectFiles(root: string, dir = root): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...(await projectFiles(root, path)));
    } else if (entry.isFile()) {
      files.push(relative(root, path));
    }
  }
  return files;
}

/**
 * The cache key of a synth: a SHA-256 over the app command, the CDK context, and the path and
 * content of every file the synth may read. Those files are the ones `cdk watch` re-synthesizes
 * on (cdk.json's `watch.include` minus `watch.exclude`; without them every file of the project),
 * always leaving out node_modules, cdk.out, dist, coverage and dot directories (.git, .sqs-jobs),
 * plus cdk.json, package.json and the lockfile, which pin the dependencies (aws-cdk-lib,
 * esbuild, sqs-jobs) whose code is in node_modules. The handlers the app bundles are in that set
 * when they are in the project: a changed handler or stack gives a new key.
 */
export async function synthKey(options: {
  readonly cwd: string;
  readonly command: string;
  readonly cdkJson: CdkJson;
}): Promise<string> {
  const include = globs(options.cdkJson.watch?.include, ["**"]);
  const exclude = globs(options.cdkJson.watch?.exclude, []);
  const selected = (await projectFiles(options.cwd)).filter(
    (file) =>
      ALWAYS.includes(file) ||
      (include.some((g) => matchesGlob(file, g)) && !exclude.some((g) => matchesGlob(file, g))),
  );
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ command: options.command, context: options.cdkJson.context ?? {} }));
  for (const file of selected.sort()) {
    const content = createHash("sha256")
      .update(await readFile(join(options.cwd, file)))
      .digest("hex");
    hash.update(`\0${file}\0${content}`);
  }
  return hash.digest("hex").slice(0, 32);
}
