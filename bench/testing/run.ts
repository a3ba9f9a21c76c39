/**
 * What `sqs-jobs-tools/testing` adds to a test file, as a developer waits for it: whole `vitest run`
 * processes, spawn to exit, side by side in one run. Each repetition runs five files, in a
 * rotating order: an empty file (vitest's own start-up), a file that sends 10 jobs through a queue
 * declared in code (`startTestApp({ queues })`, bench/testing/queues-ten-jobs.test.ts), a file
 * that sends 10 report jobs through the example app's CDK app (`startTestApp({ cdk })`,
 * bench/testing/ten-jobs.test.ts) from a cached synth, and the first two again in a project that
 * installed the built package (the kit as a user loads it: JavaScript from node_modules, not this
 * repository's TypeScript sources). A mode's added cost is its file's time minus the empty file's
 * of the same project in the same repetition. Before them, the CDK file once with an empty synth
 * cache (cold), and once more with a second round of 10 jobs on warm execution environments.
 * `npm run bench:testing [-- --repetitions N]`.
 */
import { execFile, spawn } from "node:child_process";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { exitedChildrenCpuMs } from "../lib/cpu.ts";
import { machineInfo } from "../lib/machine.ts";
import { writeResults } from "../lib/results.ts";
import { round, spread } from "../lib/stats.ts";

const { values: args } = parseArgs({
  options: {
    repetitions: { type: "string", default: "7" },
    out: { type: "string", default: fileURLToPath(new URL("../results/testing.json", import.meta.url)) },
  },
});
const REPETITIONS = Number(args.repetitions);
const CACHE_DIR = "bench/.tmp/testing-cache";
const VITEST = fileURLToPath(new URL("../../node_modules/vitest/vitest.mjs", import.meta.url));
const CONFIG = "bench/testing/vitest.config.ts";
const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** A user's project with the package installed from a build of this checkout. */
const USER_PROJECT = "bench/.tmp/kit-user";
/**
 * Above this 1-minute load average from other work the figures are noise. Before the run that is
 * the load itself; during it, the benchmark keeps about one process of its own running, so the
 * load it sees may reach one more.
 */
const QUIET_LOAD = 1;
const OWN_LOAD = 1;

/** Each file, and the project it runs in (this repository, or the user's with the built package). */
const FILES = {
  empty: { file: "bench/testing/empty.test.ts", cwd: REPO },
  queues: { file: "bench/testing/queues-ten-jobs.test.ts", cwd: REPO },
  cdk: { file: "bench/testing/ten-jobs.test.ts", cwd: REPO },
  builtEmpty: { file: "empty.test.ts", cwd: join(REPO, USER_PROJECT) },
  builtQueues: { file: "queues-ten-jobs.test.ts", cwd: join(REPO, USER_PROJECT) },
} as const;
type FileKind = keyof typeof FILES;

/**
 * Builds the package (`tsc -p tsconfig.build.json`, as `npm run build`) into a scratch project's
 * node_modules/sqs-jobs, beside copies of the empty and in-process files that import `sqs-jobs`
 * and `sqs-jobs-tools/testing` instead of the sources. Its other packages resolve, as hoisted ones
 * would, from this repository's node_modules above it.
 */
async function prepareUserProject(): Promise<void> {
  const project = join(REPO, USER_PROJECT);
  const installed = join(project, "node_modules", "sqs-jobs");
  await rm(project, { recursive: true, force: true });
  await mkdir(installed, { recursive: true });
  await promisify(execFile)(
    process.execPath,
    [
      join(REPO, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.build.json",
      "--outDir",
      join(installed, "dist"),
    ],
    { cwd: REPO },
  );
  await copyFile(join(REPO, "package.json"), join(installed, "package.json"));
  await writeFile(
    join(project, "package.json"),
    `${JSON.stringify({ name: "kit-user", type: "module", private: true })}\n`,
  );
  await writeFile(
    join(project, "vitest.config.ts"),
    `import { defineConfig } from "vitest/config";\nexport default defineConfig({ test: { include: ["*.test.ts"] } });\n`,
  );
  for (const file of ["empty.test.ts", "queues-ten-jobs.test.ts", "queues-ten-jobs.ts"]) {
    const text = await readFile(join(REPO, "bench/testing", file), "utf8");
    const asUser = text
      .replaceAll('"../../src/index.ts"', '"sqs-jobs"')
      .replaceAll('"../../tools/src/testing/index.ts"', '"sqs-jobs-tools/testing"');
    await writeFile(join(project, file), asUser);
  }
}

interface Phases {
  readonly startMs: number;
  readonly sendAndDrainMs: number;
  readonly stopMs: number;
  readonly warmSendAndDrainMs?: number;
}

interface Run {
  readonly wallMs: number;
  /** CPU time of the process and its own children (vitest's workers), user + system. */
  readonly cpuMs: number;
  readonly phases: Phases | undefined;
  /** The 1-minute load average as the process started. */
  readonly load: number;
}

/** Runs one test file in a fresh `vitest run` process; its wall time, and the phases it printed. */
function runFile(kind: FileKind, env: Record<string, string> = {}): Promise<Run> {
  const { file, cwd } = FILES[kind];
  const config = cwd === REPO ? CONFIG : "vitest.config.ts";
  const load = loadavg()[0] ?? 0;
  const cpu0 = exitedChildrenCpuMs();
  const t0 = performance.now();
  const child = spawn(process.execPath, [VITEST, "run", "--config", config, file], {
    cwd,
    env: { ...process.env, BENCH_CACHE_DIR: CACHE_DIR, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) {
        reject(new Error(`vitest run ${file} exited with code ${code}:\n${output.slice(-3_000)}`));
        return;
      }
      const line = /BENCH_PHASES (\{.*\})/.exec(output)?.[1];
      resolve({
        wallMs,
        cpuMs: exitedChildrenCpuMs() - cpu0,
        load,
        phases: line === undefined ? undefined : (JSON.parse(line) as Phases),
      });
    });
  });
}

const phase = (runs: readonly Run[], name: keyof Phases) =>
  spread(runs.map((r) => r.phases?.[name] ?? Number.NaN));

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? 0;
  await prepareUserProject();
  await rm(CACHE_DIR, { recursive: true, force: true });
  // Cold: the first run after a change to the app synthesizes it.
  const emptyBeforeCold = await runFile("empty");
  const cold = await runFile("cdk");
  const warmRound = await runFile("cdk", { BENCH_WARM_ROUND: "1" });

  const runs: Record<FileKind, Run[]> = { empty: [], queues: [], cdk: [], builtEmpty: [], builtQueues: [] };
  const kinds = Object.keys(FILES) as FileKind[];
  // Interleaved, each repetition starting from another file, so a change in the machine's load
  // (or running right after the heaviest file) touches all three alike.
  for (let i = 0; i < REPETITIONS; i++) {
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(i + k) % kinds.length] as FileKind;
      runs[kind].push(await runFile(kind));
    }
  }
  const added = (kind: FileKind, baseline: FileKind, measure: "wallMs" | "cpuMs" = "wallMs") =>
    spread(runs[kind].map((r, i) => r[measure] - (runs[baseline][i]?.[measure] ?? Number.NaN)));
  const loads = [emptyBeforeCold, cold, warmRound, ...kinds.flatMap((k) => runs[k])].map((r) => r.load);
  const loadAfter = loadavg()[0] ?? 0;
  const maxLoad = Math.max(loadAfter, ...loads);
  const quiet = loadBefore <= QUIET_LOAD && maxLoad <= QUIET_LOAD + OWN_LOAD;
  const queuesAdded = added("queues", "empty");
  const builtQueuesAdded = added("builtQueues", "builtEmpty");

  const results = {
    benchmark: "testing",
    date: new Date().toISOString(),
    node: process.version,
    machine: machineInfo(),
    // The machine is shared: the 1-minute load average as the run began, at the start of each
    // process (median and range) and as it ended. `quiet`: at most 1 before, and at most 1 above
    // this benchmark's own process during the run; otherwise other work shared the 2 cores.
    loadAverage: {
      before: round(loadBefore, 1),
      perProcess: spread(loads, 1),
      after: round(loadAfter, 1),
      quiet,
    },
    what: "wall time of whole `vitest run` processes on one test file, spawn to exit; added = the file minus the empty file of the same repetition; CPU time (user + system, the process and its workers) beside it, which load stretches far less",
    repetitions: REPETITIONS,
    emptyFileWallMs: spread(runs.empty.map((r) => r.wallMs)),
    emptyFileCpuMs: spread(runs.empty.map((r) => r.cpuMs)),
    queues: {
      file: FILES.queues.file,
      fromSources: {
        what: "this repository's TypeScript sources, as its own tests load them",
        wallMs: spread(runs.queues.map((r) => r.wallMs)),
        addedMs: queuesAdded,
        addedCpuMs: added("queues", "empty", "cpuMs"),
        phasesMs: {
          startTestApp: phase(runs.queues, "startMs"),
          sendAndDrain10: phase(runs.queues, "sendAndDrainMs"),
          stop: phase(runs.queues, "stopMs"),
        },
      },
      fromBuiltPackage: {
        what: "the built package in a project's node_modules, as a user loads it",
        emptyFileWallMs: spread(runs.builtEmpty.map((r) => r.wallMs)),
        wallMs: spread(runs.builtQueues.map((r) => r.wallMs)),
        addedMs: builtQueuesAdded,
        addedCpuMs: added("builtQueues", "builtEmpty", "cpuMs"),
        phasesMs: {
          startTestApp: phase(runs.builtQueues, "startMs"),
          sendAndDrain10: phase(runs.builtQueues, "sendAndDrainMs"),
          stop: phase(runs.builtQueues, "stopMs"),
        },
      },
    },
    cdk: {
      file: FILES.cdk.file,
      cold: {
        what: "empty synth cache: the first run after a change to the app",
        wallMs: round(cold.wallMs),
        addedMs: round(cold.wallMs - emptyBeforeCold.wallMs),
        startTestAppMs: round(cold.phases?.startMs ?? Number.NaN),
        sendAndDrain10Ms: round(cold.phases?.sendAndDrainMs ?? Number.NaN),
      },
      warm: {
        what: "cached synth: every later run",
        wallMs: spread(runs.cdk.map((r) => r.wallMs)),
        addedMs: added("cdk", "empty"),
        addedCpuMs: added("cdk", "empty", "cpuMs"),
        phasesMs: {
          startTestApp: phase(runs.cdk, "startMs"),
          sendAndDrain10: phase(runs.cdk, "sendAndDrainMs"),
          stop: phase(runs.cdk, "stopMs"),
        },
      },
      secondRound: {
        what: "one cached run that sends 10 more jobs after the first 10: the environments are warm",
        firstTenMs: round(warmRound.phases?.sendAndDrainMs ?? Number.NaN),
        nextTenMs: round(warmRound.phases?.warmSendAndDrainMs ?? Number.NaN),
      },
    },
    targets: {
      "a file sending 10 jobs through startTestApp({ queues }) costs at most 1 s more than an empty vitest file (median), as a user installs the kit":
        builtQueuesAdded.median <= 1_000,
      "the same from this repository's TypeScript sources": queuesAdded.median <= 1_000,
    },
  };
  await writeResults(args.out, results);
  console.log(JSON.stringify(results, null, 2));
  if (!results.loadAverage.quiet) {
    console.log(
      `\nThe load average was ${round(loadBefore, 1)} before the run and reached ${round(maxLoad, 1)} during it (this benchmark adds about ${OWN_LOAD}): other work shared the cores, so these figures are noise. Re-run at a quiet moment.`,
    );
  }
  await rm(CACHE_DIR, { recursive: true, force: true });
  await rm(join(REPO, USER_PROJECT), { recursive: true, force: true });
}

await main();
