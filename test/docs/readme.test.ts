import { spawn } from "node:child_process";
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import * as cdk from "../../cdk/lib/index.ts";
import * as lib from "../../src/index.ts";
import * as testing from "../../tools/src/testing/index.ts";
import {
  type CodeBlock,
  codeBlocks,
  headingAnchors,
  linkTargets,
  shellCommands,
  words,
} from "./markdown-blocks.ts";

/**
 * Every code block of the docs (README.md, CONTRIBUTING.md, bench/README.md, docs/*.md) is checked,
 * so it cannot drift from the code: TypeScript blocks are typechecked against the repo's sources
 * under strict settings (exactOptionalPropertyTypes included, as users may have it), JSON blocks
 * parse, and each shell command names a real npm script, a real CLI command with options the CLI
 * accepts (run with `--help`), a file of the repo that `node` runs, or one of a few known commands.
 * A block that needs AWS or Docker is marked `<!-- docs-test: skip -->` on the line before it. Every
 * relative link resolves to a file of the repo, and its `#fragment` to a heading of that file.
 */

const REPO = path.resolve(import.meta.dirname, "..", "..");
const PAGES = [
  "README.md",
  "CONTRIBUTING.md",
  "bench/README.md",
  ...readdirSync(path.join(REPO, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const text = (page: string) => readFileSync(path.join(REPO, page), "utf8");

/** A code block and the page it is on. */
type PageBlock = CodeBlock & { readonly page: string };
const blocks: PageBlock[] = PAGES.flatMap((page) =>
  codeBlocks(text(page))
    .filter((b) => !b.skip)
    .map((b) => ({ ...b, page })),
);
const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

const where = (b: PageBlock) => `${b.page}:${b.line} (${b.section})`;

mkdirSync(path.join(REPO, ".sqs-jobs"), { recursive: true });
// Under the repo (git-ignored), so the blocks resolve zod, aws-cdk-lib... from its node_modules.
const dir = mkdtempSync(path.join(REPO, ".sqs-jobs", "readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the snippets use without defining: a job, a stack, a function, a payload list. */
const FIXTURES = `import { App, Stack } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as z from "zod/mini";
import { defineJob, handle } from "sqs-jobs";
export * from ${JSON.stringify(path.join(REPO, "handlers", "jobs.ts"))};

export const resizeImage = defineJob({
  name: "resize-image",
  schema: z.object({ key: z.string(), width: z.number() }),
});
export const welcomeEmail = defineJob({
  name: "welcome-email",
  schema: z.object({ to: z.email(), name: z.string() }),
});
// The quick start's job and bindings (test/init checks those blocks against what init writes).
export const greet = defineJob({
  name: "greet",
  schema: z.object({ name: z.string() }),
  result: z.object({ greeting: z.string() }),
});
export const bindings = [handle(greet, async (payload) => ({ greeting: payload.name }))];
export declare function resize(...args: unknown[]): Promise<void>;
export declare const images: { find(key: string): Promise<{ key: string } | undefined> };
export declare const queueUrl: string;
export declare const items: { key: string; width: number }[];
export const stack = new Stack(new App(), "Docs");
export declare const apiFunction: lambda.Function;
export declare const api: lambda.Function;
`;

/** A block as a module: relative imports point at the fixtures, and free names are imported. */
function asModule(code: string): string {
  const body = code.replace(/from\s+"\.{1,2}\/[^"]+"/g, 'from "./fixtures.ts"');
  const defined = new Set<string>();
  for (const m of body.matchAll(/\b(?:const|let|function|class)\s+(\w+)/g)) defined.add(m[1] ?? "");
  for (const m of body.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}/g)) {
    for (const name of (m[1] ?? "").split(","))
      defined.add(
        name
          .trim()
          .split(/\s+as\s+/)
          .pop() ?? "",
      );
  }
  for (const m of body.matchAll(/import\s+\*\s+as\s+(\w+)/g)) defined.add(m[1] ?? "");
  const uses = (name: string) => !defined.has(name) && new RegExp(`\\b${name}\\b`).test(body);
  const fixtureNames = [...FIXTURES.matchAll(/export (?:declare )?(?:const|function) (\w+)/g)].map(
    (m) => m[1] ?? "",
  );
  const fixtureReexports = ["buildReport", "sendEmail", "reportReady", "QUEUES", "BUCKET_ENV"];
  const prelude = [
    ["sqs-jobs", Object.keys(lib)],
    ["sqs-jobs/cdk", Object.keys(cdk)],
    ["sqs-jobs-tools/testing", Object.keys(testing)],
    ["./fixtures.ts", [...fixtureNames, ...fixtureReexports]],
  ]
    .map(([from, names]) => [from, (names as string[]).filter(uses)] as const)
    .filter(([, names]) => names.length > 0)
    .map(([from, names]) => `import { ${names.join(", ")} } from "${from}";`);
  if (uses("z")) prelude.push('import * as z from "zod/mini";');
  return `${prelude.join("\n")}\n${body}\nexport {};\n`;
}

describe("the docs' TypeScript blocks", () => {
  const tsBlocks = blocks.filter((b) => b.lang === "ts");

  it("typecheck against the sources under strict settings", () => {
    expect(tsBlocks.length).toBeGreaterThan(5);
    writeFileSync(path.join(dir, "fixtures.ts"), FIXTURES);
    const files = tsBlocks.map((b) => {
      const file = path.join(dir, `${b.page.replace(/\W/g, "-")}-${b.line}.ts`);
      writeFileSync(file, asModule(b.code));
      return file;
    });
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
      paths: {
        "sqs-jobs": [path.join(REPO, "src", "index.ts")],
        "sqs-jobs/cdk": [path.join(REPO, "cdk", "lib", "index.ts")],
        "sqs-jobs-tools/testing": [path.join(REPO, "tools", "src", "testing", "index.ts")],
      },
      // The tools' sources reach the runtime's as `sqs-jobs/internal/*`: its sources here too.
      customConditions: ["sqs-jobs-source"],
    });
    // Only the blocks' own errors: the sources are checked with the repo's settings elsewhere.
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && files.includes(path.resolve(d.file.fileName)))
      .map((d) => {
        const line = d.file?.getLineAndCharacterOfPosition(d.start ?? 0).line ?? 0;
        const block = tsBlocks[files.indexOf(path.resolve(d.file?.fileName ?? ""))];
        const text = d.file?.text.split("\n")[line] ?? "";
        return `${block ? where(block) : "?"}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")} in: ${text.trim()}`;
      });
    expect(errors).toEqual([]);
  }, 120_000);
});

describe("the testing page's test of a user's job", () => {
  it("is test/testing/readme-example.test.ts, which the suite runs, with the packages' import paths", () => {
    const [block] = blocks.filter(
      (b) => b.page === "docs/testing.md" && b.lang === "ts" && b.section === "A test of your own job",
    );
    const file = readFileSync(path.join(REPO, "test", "testing", "readme-example.test.ts"), "utf8")
      .replace('"../../src/index.ts"', '"sqs-jobs"')
      .replace('"../../tools/src/testing/index.ts"', '"sqs-jobs-tools/testing"');
    expect(block?.code).toBe(file.trimEnd());
  });
});

describe("the docs' JSON blocks", () => {
  it("parse", () => {
    for (const b of blocks.filter((b) => b.lang === "json"))
      expect(() => JSON.parse(b.code), where(b)).not.toThrow();
  });
});

const KNOWN_PACKAGES = new Set([
  "sqs-jobs",
  "sqs-jobs-tools",
  ...Object.keys(pkg.dependencies),
  ...Object.keys(pkg.devDependencies),
  ...Object.keys(pkg.peerDependencies),
]);
const CDK_COMMANDS = new Set(["synth", "deploy", "bootstrap", "diff", "destroy", "list", "ls", "watch"]);
/** The npm scripts of a project `sqs-jobs init` writes. */
const NEW_PROJECT_SCRIPTS = new Set(["dev", "test", "deploy"]);

/** What is wrong with one command of `block`, or undefined; `cli` collects sqs-jobs argument lists to run. */
function checkCommand(command: string, block: PageBlock, cli: string[][]): string | undefined {
  const [first, second, third, ...rest] = words(command);
  if (first === "export" && second !== undefined && /^[A-Z_]+=/.test(second)) return undefined;
  if (first === "cd" && second !== undefined && third === undefined) return undefined;
  if (first === "npm" && (second === "ci" || second === "test" || second === "start")) return undefined;
  if (first === "npm" && second === "run") {
    const known = block.newProject ? NEW_PROJECT_SCRIPTS.has(third ?? "") : pkg.scripts[third ?? ""];
    if (third === undefined || !known) return `npm run ${third}: no such script`;
    if (third === "sqs-jobs") cli.push(rest[0] === "--" ? rest.slice(1) : rest);
    return undefined;
  }
  if (first === "node_modules/.bin/node" || first === "node") {
    const script = [second, third, ...rest].find((a) => a !== undefined && !a.startsWith("-"));
    return script !== undefined && existsSync(path.join(REPO, script))
      ? undefined
      : `runs ${script}, which is not a file of the repo`;
  }
  if (first === "npm" && (second === "i" || second === "install")) {
    const names = (third === undefined ? [] : [third, ...rest])
      .filter((a) => !a.startsWith("-"))
      .map((a) => a.replace(/(?<=.)@.*$/, ""));
    const unknown = names.filter((n) => !KNOWN_PACKAGES.has(n));
    return unknown.length === 0
      ? undefined
      : `installs ${unknown.join(", ")}, which package.json does not name`;
  }
  if (first === "npx" && second === "sqs-jobs") {
    cli.push([third ?? "", ...rest].filter((w) => w !== ""));
    return undefined;
  }
  if (first === "npx" && second === "cdk") {
    return third !== undefined && CDK_COMMANDS.has(third) ? undefined : `cdk ${third}: not a cdk command`;
  }
  return `no check knows this command (mark its block <!-- docs-test: skip --> if it cannot run here)`;
}

async function cliAccepts(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ["--conditions=sqs-jobs-source", path.join(REPO, "src", "bin", "sqs-jobs.ts"), ...args, "--help"],
    {
      cwd: REPO,
    },
  );
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, output };
}

describe("the docs' shell blocks", () => {
  const cli: string[][] = [];
  const shBlocks = blocks.filter((b) => b.lang === "sh");

  it("run only npm scripts that exist, packages package.json names, and known commands", () => {
    expect(shBlocks.length).toBeGreaterThan(3);
    const problems = shBlocks.flatMap((b) =>
      shellCommands(b.code).flatMap((c) => {
        const problem = checkCommand(c, b, cli);
        return problem === undefined ? [] : [`${where(b)}: ${c}: ${problem}`];
      }),
    );
    expect(problems).toEqual([]);
    expect(cli.length).toBeGreaterThan(0);
  });

  it("give the sqs-jobs CLI commands and options it accepts", async () => {
    // `init` comes with the new-user work (tools/src/cli/commands/init.ts); checked once it is there.
    const hasInit = existsSync(path.join(REPO, "tools", "src", "cli", "commands", "init.ts"));
    for (const args of cli.filter((a) => hasInit || a[0] !== "init")) {
      const { code, output } = await cliAccepts(args);
      expect(code, `sqs-jobs ${args.join(" ")} --help:\n${output}`).toBe(0);
    }
  }, 120_000);
});

describe("the docs' links", () => {
  it("resolve to files of the repo, and their fragments to headings of those files", () => {
    let checked = 0;
    const problems = PAGES.flatMap((page) =>
      linkTargets(text(page)).flatMap((target) => {
        if (/^[a-z]+:/i.test(target)) return [];
        checked++;
        const [file = "", fragment] = target.split("#");
        const resolved = file === "" ? page : path.join(path.dirname(page), file);
        if (!existsSync(path.join(REPO, resolved))) return [`${page}: ${target}: no such file`];
        if (fragment === undefined || !resolved.endsWith(".md")) return [];
        return headingAnchors(text(resolved)).has(fragment) ? [] : [`${page}: ${target}: no such heading`];
      }),
    );
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });
});
