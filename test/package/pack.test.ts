import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { installCommands } from "./install-commands.ts";

/**
 * The first hour of a user, as a test: the package as npm would publish it, installed into an empty
 * project with only the README's install commands, then typechecked, synthesized and run there.
 */

const REPO = path.resolve(import.meta.dirname, "..", "..");
const MINUTE = 60_000;

const work = mkdtempSync(path.join(tmpdir(), "sqs-jobs-pack-"));
const project = path.join(work, "project");
const outDir = path.join(project, "out");
/** A `docker` that fails loudly: synth must never reach for it. */
const noDocker = path.join(work, "no-docker");

/**
 * The scratch project's environment: the repo's Node first on the PATH (the system one may be
 * older than 22.12), then the failing docker, and none of the npm_* settings of the `npm test` that
 * runs this file, which would point npm at the repo instead of the project.
 */
function projectEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  // Without the repo's node_modules/.bin (npm and npx put it on the PATH of `npm test`): the
  // project must find its tools, esbuild included, in its own node_modules.
  const inherited = (process.env.PATH ?? "").split(path.delimiter).filter((p) => !p.includes("node_modules"));
  env.PATH = [path.dirname(process.execPath), noDocker, ...inherited].join(path.delimiter);
  delete env.AWS_ENDPOINT_URL;
  // The repo's tests resolve the packages to their sources with this condition; a project
  // resolves them as users do.
  delete env.NODE_OPTIONS;
  return { ...env, OUT_DIR: outDir, ...extra };
}

/** Runs a command to its end; resolves to its exit code and output, never rejects on a failure. */
async function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? projectEnv() });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, output };
}

async function mustRun(command: string, args: readonly string[], cwd: string): Promise<string> {
  const { code, output } = await run(command, args, { cwd });
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${code}:\n${output}`);
  return output;
}

/** `sqs-jobs dev` as a user starts it, in a process group of its own, and what it printed so far. */
function startDev(
  command: string,
  args: readonly string[],
  cwd: string,
): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, {
    cwd,
    env: projectEnv(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  return { child, output: () => output };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The two packages' tarballs, as `npm pack` writes them. */
interface Tarballs {
  /** sqs-jobs: what production installs. */
  readonly runtime: string;
  /** sqs-jobs-tools: the CLI, the local stack, the dashboard and the testing kit (a dev dependency). */
  readonly tools: string;
}

/** The repo as a fresh clone has it (tracked and new files, nothing git ignores), built and packed. */
async function packRepo(): Promise<Tarballs> {
  const stage = path.join(work, "stage");
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: REPO })
    .toString()
    .split("\0")
    .filter((f) => f !== "" && f !== "node_modules");
  for (const file of files) {
    try {
      cpSync(path.join(REPO, file), path.join(stage, file));
    } catch {
      // A file deleted in the work tree but not yet in git: a fresh clone of the commit would have
      // it, the package under test does not.
    }
  }
  linkModules(stage);
  const env = {
    ...projectEnv(),
    PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
  };
  // `npm pack` runs `prepack` (the build of both packages) first, as `npm publish` does.
  for (const args of [
    ["pack", "--pack-destination", work],
    ["pack", "--workspace", "sqs-jobs-tools", "--ignore-scripts", "--pack-destination", work],
  ]) {
    const { code, output } = await run("npm", args, { cwd: stage, env });
    if (code !== 0) throw new Error(`npm ${args.join(" ")} exited ${code}:\n${output}`);
  }
  const tarball = (name: string) => {
    const file = readdirSync(work).find((f) => new RegExp(`^${name}-\\d.*\\.tgz$`).test(f));
    if (file === undefined) throw new Error(`npm pack wrote no ${name} tarball`);
    return path.join(work, file);
  };
  return { runtime: tarball("sqs-jobs"), tools: tarball("sqs-jobs-tools") };
}

/**
 * The stage's node_modules: the repo's packages, but the two workspace links pointing into the
 * stage, so that the tools build there reads the runtime it just built.
 */
function linkModules(stage: string): void {
  const modules = path.join(stage, "node_modules");
  mkdirSync(modules);
  const own: Record<string, string> = { "sqs-jobs": stage, "sqs-jobs-tools": path.join(stage, "tools") };
  for (const entry of readdirSync(path.join(REPO, "node_modules"))) {
    symlinkSync(own[entry] ?? path.join(REPO, "node_modules", entry), path.join(modules, entry));
  }
}

/** Every package `npm ls --omit=dev --all --json` lists, by name, under `tree`. */
function namesIn(tree: { dependencies?: Record<string, unknown> }): string[] {
  return Object.entries(tree.dependencies ?? {}).flatMap(([name, sub]) => [
    name,
    ...namesIn(sub as { dependencies?: Record<string, unknown> }),
  ]);
}

const JOBS = `import { defineJob } from "sqs-jobs";
import * as z from "zod/mini";

export const greet = defineJob({
  name: "greet",
  schema: z.object({ name: z.string() }),
  retry: { maxAttempts: 3 },
});
`;

const HANDLER = `import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createSqsHandler, handle } from "sqs-jobs";
import { greet } from "./jobs.ts";

export const handler = createSqsHandler([
  handle(greet, async (payload, ctx) => {
    await writeFile(join(process.env.OUT_DIR ?? "/tmp", \`\${ctx.jobId}.txt\`), \`hello \${payload.name}\`);
  }),
]);
`;

const PRODUCER = `import { JobClient } from "sqs-jobs";
import { greet } from "./jobs.ts";

const jobs = new JobClient({ queue: "greetings" });
const { jobId } = await jobs.send(greet, { name: "Ana" });
console.log(jobId);
`;

const APP = `import { App, Stack } from "aws-cdk-lib";
import { JobQueue } from "sqs-jobs/cdk";
import { greet } from "./jobs.ts";

const app = new App();
const stack = new Stack(app, "Scratch");
new JobQueue(stack, "Greetings", {
  name: "greetings",
  jobs: [greet],
  entry: "handler.ts",
  environment: { OUT_DIR: process.env.OUT_DIR ?? "/tmp" },
});
app.synth();
`;

/** A producer function of the user's own, bundled with sqs-jobs' settings. */
const PRODUCER_APP = `import { App, Stack } from "aws-cdk-lib";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import { sqsJobsBundling } from "sqs-jobs/cdk";

const app = new App();
new nodejs.NodejsFunction(new Stack(app, "Producer"), "Api", { entry: "producer.ts", bundling: sqsJobsBundling() });
app.synth();
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2023",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    noEmit: true,
    skipLibCheck: true,
    types: ["node"],
  },
};

let tarballs: Tarballs = { runtime: "", tools: "" };
let dev: ChildProcess | undefined;

beforeAll(async () => {
  mkdirSync(noDocker, { recursive: true });
  writeFileSync(path.join(noDocker, "docker"), '#!/bin/sh\necho "docker was called: $*" >&2\nexit 99\n');
  chmodSync(path.join(noDocker, "docker"), 0o755);

  tarballs = await packRepo();

  // Given an empty project and the README's install commands, the packages being the tarballs
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module" }),
  );
  for (const args of installCommands(readFileSync(path.join(REPO, "README.md"), "utf8"), tarballs)) {
    await mustRun("npm", [...args, "--prefer-offline", "--no-audit", "--no-fund"], project);
  }
  writeFileSync(path.join(project, "jobs.ts"), JOBS);
  writeFileSync(path.join(project, "handler.ts"), HANDLER);
  writeFileSync(path.join(project, "producer.ts"), PRODUCER);
  writeFileSync(path.join(project, "app.ts"), APP);
  writeFileSync(path.join(project, "producer-app.ts"), PRODUCER_APP);
  writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(TSCONFIG));
  writeFileSync(path.join(project, "cdk.json"), JSON.stringify({ app: "node app.ts" }));
}, 10 * MINUTE);

afterAll(async () => {
  // Stopped by its test unless that test failed half-way: then its whole process group goes.
  if (dev?.pid !== undefined && dev.exitCode === null && dev.signalCode === null) {
    try {
      process.kill(-dev.pid, "SIGKILL");
    } catch {
      // The group ended meanwhile.
    }
  }
  rmSync(work, { recursive: true, force: true });
}, 2 * MINUTE);

describe("the packed tarballs", () => {
  const listing = (tarball: string) =>
    execFileSync("tar", ["-tzf", tarball])
      .toString()
      .split("\n")
      .map((f) => f.replace(/^package\//, ""))
      .filter((f) => f !== "");

  it("ship the LICENSE, code and docs pages only: no docs images, no sources, no source maps", () => {
    for (const [name, tarball] of Object.entries(tarballs)) {
      const files = listing(tarball);
      expect(files, name).toContain("LICENSE");
      expect(
        files.filter((f) => /\.(png|jpe?g|gif|svg)$/.test(f)),
        name,
      ).toEqual([]);
      expect(
        files.filter((f) => f.endsWith(".map") || f.includes(".test.")),
        name,
      ).toEqual([]);
      expect(
        files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")),
        name,
      ).toEqual([]);
      const dir = name === "runtime" ? "sqs-jobs" : "sqs-jobs-tools";
      for (const f of files.filter((f) => f.endsWith(".js"))) {
        expect(readFileSync(path.join(project, "node_modules", dir, f), "utf8")).not.toContain(
          "sourceMappingURL",
        );
      }
    }
    expect(readFileSync(path.join(project, "node_modules/sqs-jobs/LICENSE"), "utf8")).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 sqs-jobs contributors\n/,
    );
    // The README's links resolve in the repo (test/docs/readme.test.ts); its docs pages ship too, so
    // they also resolve where the README is read from the package, but screenshots stay out.
    const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
    const docLinks = [...readme.matchAll(/\]\((docs\/[^)#]+\.md)/g)].map((m) => m[1]);
    expect(docLinks.length).toBeGreaterThan(0);
    for (const link of docLinks) expect(listing(tarballs.runtime)).toContain(link);
    // The dashboard's page is plain files beside its server, copied by the build (tsc emits only .ts)
    const tools = listing(tarballs.tools);
    expect(tools).toContain("dist/dashboard/ui/index.html");
    expect(tools).toContain("dist/dashboard/server.js");
    expect(
      listing(tarballs.runtime).filter((f) => /^dist\/.*(dashboard|local|testing|cli)\//.test(f)),
    ).toEqual([]);
  });

  it(
    "install for production only the AWS SDK clients, the schema spec and the cron parser",
    async () => {
      const runtime = JSON.parse(
        readFileSync(path.join(project, "node_modules/sqs-jobs/package.json"), "utf8"),
      ) as {
        dependencies: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      expect(Object.keys(runtime.dependencies).sort()).toEqual([
        "@aws-sdk/client-dynamodb",
        "@aws-sdk/client-lambda",
        "@aws-sdk/client-scheduler",
        "@aws-sdk/client-sqs",
        "@standard-schema/spec",
        "croner",
      ]);
      // What production installs: `npm ls --omit=dev` below sqs-jobs lists those six and their own
      // dependencies (its optional peers aws-cdk-lib, constructs and esbuild are the project's own),
      // and nowhere the tools, the emulators or the dashboard's UI.
      const { output } = await run("npm", ["ls", "--omit=dev", "--all", "--json"], { cwd: project });
      type Tree = { dependencies?: Record<string, Tree> };
      const tree = JSON.parse(output) as Tree;
      const peers = Object.keys(runtime.peerDependencies ?? {});
      const direct = Object.keys(tree.dependencies?.["sqs-jobs"]?.dependencies ?? {});
      expect(direct.filter((n) => !peers.includes(n)).sort()).toEqual(
        Object.keys(runtime.dependencies).sort(),
      );
      const everything = namesIn(tree);
      for (const tool of [
        "sqs-jobs-tools",
        "fauxqs",
        "dynalite",
        "preact",
        "htm",
        "classic-level",
        "level",
      ]) {
        expect(everything, tool).not.toContain(tool);
      }
    },
    2 * MINUTE,
  );
});

describe("a project that installs what the README says", () => {
  it(
    "typechecks a job, a producer, a handler and a CDK app under strict settings",
    async () => {
      const { code, output } = await run("npx", ["tsc", "-p", "."], { cwd: project });
      expect(output).toBe("");
      expect(code).toBe(0);
    },
    5 * MINUTE,
  );

  it(
    "refuses to synthesize without esbuild instead of falling back to docker build",
    async () => {
      const hidden = path.join(project, "node_modules", ".esbuild-hidden");
      const esbuild = path.join(project, "node_modules", "esbuild");
      cpSync(esbuild, hidden, { recursive: true });
      rmSync(esbuild, { recursive: true });
      try {
        // Each app as `cdk synth` runs it: it throws before any bundling starts, for a JobQueue and
        // for a function of the user's own bundled with sqsJobsBundling().
        for (const app of ["app.ts", "producer-app.ts"]) {
          const { code, output } = await run(process.execPath, [app], { cwd: project });
          expect(code, output).not.toBe(0);
          expect(output).toContain("npm i -D esbuild");
          expect(output).not.toContain("docker was called");
        }
      } finally {
        cpSync(hidden, esbuild, { recursive: true });
        rmSync(hidden, { recursive: true });
      }
    },
    5 * MINUTE,
  );

  it(
    "synthesizes with the pinned cdk CLI, bundling locally without Docker",
    async () => {
      const { code, output } = await run("npx", ["cdk", "synth", "--quiet"], { cwd: project });
      expect(output).not.toContain("docker was called");
      expect(code, output).toBe(0);
      const assets = readdirSync(path.join(project, "cdk.out")).filter((d) => d.startsWith("asset."));
      expect(assets).toHaveLength(1);
      const template = readFileSync(path.join(project, "cdk.out", "Scratch.template.json"), "utf8");
      expect(template).toContain("AWS::SNS::Topic");
    },
    5 * MINUTE,
  );

  it(
    "runs with npx sqs-jobs dev and processes a job sent with npx sqs-jobs send",
    async () => {
      // Given the app running locally on a free loopback port
      const port = await freePort();
      const endpoint = `http://127.0.0.1:${port}`;
      const started = startDev("npx", ["sqs-jobs", "dev", "--port", String(port)], project);
      dev = started.child;
      const devOutput = started.output;
      const cli = projectEnv({ AWS_ENDPOINT_URL: endpoint });
      await vi.waitFor(
        async () => {
          expect(dev?.exitCode, devOutput()).toBeNull();
          const status = await run("npx", ["sqs-jobs", "status", "greetings"], { cwd: project, env: cli });
          expect(status.code, status.output).toBe(0);
        },
        { timeout: 3 * MINUTE, interval: 1000 },
      );

      // When a job is sent with the CLI, validated by the project's job module
      const sent = await run(
        "npx",
        ["sqs-jobs", "send", "greetings", "greet", "--jobs", "jobs.ts", "--payload", '{"name":"Ana"}'],
        { cwd: project, env: cli },
      );
      expect(sent.code, sent.output).toBe(0);

      // Then the bundled handler runs it: its side effect appears, and nothing is dead-lettered
      await vi.waitFor(
        () => {
          const done = readdirSync(outDir).filter((f) => f.endsWith(".txt"));
          expect(done, devOutput()).toHaveLength(1);
          expect(readFileSync(path.join(outDir, done[0] ?? ""), "utf8")).toBe("hello Ana");
        },
        { timeout: MINUTE, interval: 500 },
      );
      const status = await run("npx", ["sqs-jobs", "status", "greetings", "--json"], {
        cwd: project,
        env: cli,
      });
      expect(status.code, status.output).toBe(0);

      // And it stops on SIGTERM
      const pid = dev.pid ?? 0;
      const exited = once(dev, "exit");
      process.kill(-pid, "SIGTERM");
      await exited;
    },
    6 * MINUTE,
  );
});

describe("a project that `npx sqs-jobs init` writes from the packed tarballs", () => {
  const fresh = path.join(work, "fresh");
  const app = path.join(fresh, "app");

  it(
    "installs, passes its own test and runs with sqs-jobs dev, with no edits",
    async () => {
      // Given an empty folder and only the runtime package (npx fetches it: no tools yet)
      mkdirSync(fresh, { recursive: true });
      const init = await run(
        "npm",
        [
          "exec",
          "--yes",
          `--package=${tarballs.runtime}`,
          "--prefer-offline",
          "--",
          "sqs-jobs",
          "init",
          "app",
        ],
        { cwd: fresh },
      );
      expect(init.code, init.output).toBe(0);
      expect(init.output).toContain("npm install");
      // When the project installs, the two packages coming from their tarballs as the registry
      // would serve them (the only change to what init wrote, which names them by version)
      await mustRun(
        "npm",
        [
          "pkg",
          "set",
          `dependencies.sqs-jobs=${tarballs.runtime}`,
          `devDependencies.sqs-jobs-tools=${tarballs.tools}`,
        ],
        app,
      );
      await mustRun("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], app);
      // Then its own test passes...
      const test = await run("npm", ["test"], { cwd: app });
      expect(test.code, test.output).toBe(0);
      expect(test.output).toMatch(/1 passed/);
      // ...and `npm run dev` serves its queue
      const port = await freePort();
      const { child: devApp, output: devOutput } = startDev(
        "npm",
        ["run", "dev", "--", "--port", String(port)],
        app,
      );
      try {
        const cli = projectEnv({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` });
        await vi.waitFor(
          async () => {
            expect(devApp.exitCode, devOutput()).toBeNull();
            const status = await run("npx", ["sqs-jobs", "status", "--json"], { cwd: app, env: cli });
            expect(status.code, status.output).toBe(0);
            expect(status.output).toContain("greetings");
          },
          { timeout: 3 * MINUTE, interval: 1000 },
        );
      } finally {
        const exited = once(devApp, "exit");
        process.kill(-(devApp.pid ?? 0), "SIGTERM");
        await exited;
      }
    },
    10 * MINUTE,
  );
});
