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

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The repo as a fresh clone has it (tracked and new files, nothing git ignores), built and packed. */
async function packRepo(): Promise<string> {
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
  symlinkSync(path.join(REPO, "node_modules"), path.join(stage, "node_modules"));
  const env = {
    ...projectEnv(),
    PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
  };
  // No build first: `npm pack` on a fresh clone must build (prepack), or the package has no code.
  const { code, output } = await run("npm", ["pack", "--pack-destination", work], { cwd: stage, env });
  if (code !== 0) throw new Error(`npm pack exited ${code}:\n${output}`);
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (tarball === undefined) throw new Error("npm pack wrote no tarball");
  return path.join(work, tarball);
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

let tarball = "";
let dev: ChildProcess | undefined;

beforeAll(async () => {
  mkdirSync(noDocker, { recursive: true });
  writeFileSync(path.join(noDocker, "docker"), '#!/bin/sh\necho "docker was called: $*" >&2\nexit 99\n');
  chmodSync(path.join(noDocker, "docker"), 0o755);

  tarball = await packRepo();

  // Given an empty project and the README's install commands, sqs-jobs being the tarball
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module" }),
  );
  for (const args of installCommands(readFileSync(path.join(REPO, "README.md"), "utf8"), tarball)) {
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
  if (dev?.pid !== undefined && dev.exitCode === null) process.kill(-dev.pid, "SIGKILL");
  rmSync(work, { recursive: true, force: true });
}, 2 * MINUTE);

describe("the packed tarball", () => {
  it("ships the LICENSE, the docs the README links to, and no source maps to missing sources", () => {
    const listing = execFileSync("tar", ["-tzf", tarball]).toString().split("\n");
    const files = listing.map((f) => f.replace(/^package\//, "")).filter((f) => f !== "");
    expect(files).toContain("LICENSE");
    expect(readFileSync(path.join(project, "node_modules/sqs-jobs/LICENSE"), "utf8")).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 sqs-jobs contributors\n/,
    );
    const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
    const docLinks = [...readme.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]);
    expect(docLinks.length).toBeGreaterThan(0);
    for (const link of docLinks) expect(files).toContain(link);
    // The dashboard's page is plain files beside its server, copied by the build (tsc emits only .ts)
    expect(files).toContain("dist/src/dashboard/ui/index.html");
    expect(files).toContain("dist/src/dashboard/server.js");
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("src/") || f.includes(".test."))).toEqual([]);
    const js = files.filter((f) => f.endsWith(".js"));
    for (const f of js) {
      expect(readFileSync(path.join(project, "node_modules/sqs-jobs", f), "utf8")).not.toContain(
        "sourceMappingURL",
      );
    }
  });
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
      dev = spawn("npx", ["sqs-jobs", "dev", "--port", String(port)], {
        cwd: project,
        env: projectEnv(),
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let devOutput = "";
      dev.stdout?.on("data", (chunk) => (devOutput += chunk));
      dev.stderr?.on("data", (chunk) => (devOutput += chunk));
      const cli = projectEnv({ AWS_ENDPOINT_URL: endpoint });
      await vi.waitFor(
        async () => {
          expect(dev?.exitCode, devOutput).toBeNull();
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
          expect(done, devOutput).toHaveLength(1);
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
