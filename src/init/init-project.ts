import { mkdir, readdir, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { SqsJobsError } from "../core/errors.ts";
import { packageVersion } from "../core/package-version.ts";
import { projectNames } from "./project-names.ts";
import { appTs, HANDLER_TS, JOBS_TS, TEST_TS } from "./template-code.ts";
import { CDK_JSON, GITIGNORE, packageJson, readme, TSCONFIG } from "./template-config.ts";

export interface InitOptions {
  /** The project's npm name (made valid: lower case, `-` between words). @default the directory's name */
  readonly name?: string;
  /** The range of sqs-jobs and sqs-jobs-tools in package.json. @default `^` the running sqs-jobs' version */
  readonly sqsJobsRange?: string;
}

export interface InitResult {
  /** The project's absolute directory. */
  readonly dir: string;
  /** The files written, relative to `dir`, in the order written. */
  readonly files: readonly string[];
}

/** What a directory may hold and still be "empty" for a new project: a fresh `git init`, editor state. */
const IGNORABLE = new Set([".git", ".DS_Store", ".idea", ".vscode"]);

/**
 * Writes a new sqs-jobs project that works at once: an ES module package with dev, test and
 * deploy scripts, a tsconfig for Node's own TypeScript, a CDK app with its stack, one job, its
 * Lambda entry (bindings exported once, run by the test too) and a test with the testing kit.
 * It never overwrites: the directory must not exist, or hold nothing but `.git` and editor state.
 *
 * @throws {SqsJobsError} `ERR_INIT_DIR_NOT_EMPTY`: the directory holds other files
 * @example
 * const { dir, files } = await initProject("my-jobs");
 * console.log(initSummary({ dir, files }, process.cwd()));
 */
export async function initProject(dir: string, options: InitOptions = {}): Promise<InitResult> {
  const root = resolve(dir);
  const present = await readdir(root).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  });
  const blocking = present.filter((entry) => !IGNORABLE.has(entry));
  if (blocking.length > 0) {
    const shown = blocking.slice(0, 5).join(", ");
    throw new SqsJobsError(
      "ERR_INIT_DIR_NOT_EMPTY",
      `${root} is not empty (${shown}${blocking.length > 5 ? ", ..." : ""}): init writes a new project only into an empty or new directory; give it another, e.g. sqs-jobs init my-jobs`,
    );
  }
  const names = projectNames(options.name ?? basename(root));
  const range = options.sqsJobsRange ?? `^${await packageVersion()}`;
  const files: Record<string, string> = {
    "package.json": packageJson(names, range),
    "tsconfig.json": TSCONFIG,
    "cdk.json": CDK_JSON,
    ".gitignore": GITIGNORE,
    "README.md": readme(names),
    "cdk/app.ts": appTs(names),
    "src/jobs.ts": JOBS_TS,
    "src/handler.ts": HANDLER_TS,
    "test/jobs.test.ts": TEST_TS,
  };
  for (const [path, text] of Object.entries(files)) {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    // "wx": a file that appeared since the check above is left alone, and init fails.
    await writeFile(file, text, { flag: "wx" });
  }
  return { dir: root, files: Object.keys(files) };
}

/** What init wrote and what to run next, for a terminal: `cd` is relative to `cwd`. */
export function initSummary(result: InitResult, cwd: string): string {
  const path = relative(cwd, result.dir);
  const cd = path === "" ? [] : [`  cd ${path.startsWith("..") ? result.dir : path}`];
  return [
    `wrote a new sqs-jobs project in ${result.dir}:`,
    ...result.files.map((f) => `  ${f}`),
    "",
    "next:",
    ...cd,
    "  npm install",
    "  npm test          # the job, run by its handler in a local stack",
    "  npm run dev       # the whole app locally: no AWS account, no Docker",
    "  npm run deploy    # to AWS, with the cdk CLI's credentials",
  ].join("\n");
}
