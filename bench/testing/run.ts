/**
 * What a test file that uses `sqs-jobs/testing` costs: the whole process of `vitest run` on a
 * file that starts the example app from its CDK app, sends 10 report jobs and drains them
 * (bench/testing/ten-jobs.test.ts), timed from spawn to exit. Once with an empty synth cache (the
 * first run after a change to the app), then `--repetitions` times with the cached synth, beside
 * a file that does nothing (vitest's own start-up) and the same test under `node --test`.
 * `npm run bench:testing [-- --repetitions N]`.
 */
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { machineInfo } from "../lib/machine.ts";
import { writeResults } from "../lib/results.ts";
import { round, spread } from "../lib/stats.ts";

const { values: args } = parseArgs({
  options: {
    repetitions: { type: "string", default: "5" },
    out: { type: "string", default: fileURLToPath(new URL("../results/testing.json", import.meta.url)) },
  },
});
const REPETITIONS = Number(args.repetitions);
const CACHE_DIR = "bench/.tmp/testing-cache";
const VITEST = fileURLToPath(new URL("../../node_modules/vitest/vitest.mjs", import.meta.url));
const CONFIG = "bench/testing/vitest.config.ts";

interface Phases {
  readonly startMs: number;
  readonly sendAndDrainMs: number;
  readonly stopMs: number;
}

/** The command that runs one test file: `vitest run`, or `node --test` for a `.node-test.ts` file. */
function commandFor(file: string): string[] {
  return file.endsWith(".node-test.ts") ? ["--test", file] : [VITEST, "run", "--config", CONFIG, file];
}

/** Runs one test file in a fresh process; its wall time, and the phases it printed. */
function runFile(file: string): Promise<{ wallMs: number; phases: Phases | undefined }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, commandFor(file), {
    env: { ...process.env, BENCH_CACHE_DIR: CACHE_DIR },
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
      resolve({ wallMs, phases: line === undefined ? undefined : (JSON.parse(line) as Phases) });
    });
  });
}

async function main(): Promise<void> {
  const tenJobs = "bench/testing/ten-jobs.test.ts";
  const loadBefore = loadavg()[0] ?? 0;
  await rm(CACHE_DIR, { recursive: true, force: true });
  const cold = await runFile(tenJobs);
  const cached: { wallMs: number; phases: Phases | undefined }[] = [];
  const nodeTest: number[] = [];
  const empty: number[] = [];
  // Interleaved, so a change in the machine's load touches all three alike.
  for (let i = 0; i < REPETITIONS; i++) {
    cached.push(await runFile(tenJobs));
    nodeTest.push((await runFile("bench/testing/ten-jobs.node-test.ts")).wallMs);
    empty.push((await runFile("bench/testing/empty.test.ts")).wallMs);
  }
  const phase = (name: keyof Phases) => spread(cached.map((c) => c.phases?.[name] ?? Number.NaN));
  const cachedWall = spread(cached.map((c) => c.wallMs));
  const results = {
    benchmark: "testing",
    date: new Date().toISOString(),
    node: process.version,
    machine: machineInfo(),
    // The machine is shared: the 1-minute load average as the run began and ended.
    loadAverage: { before: round(loadBefore, 1), after: round(loadavg()[0] ?? 0, 1) },
    file: tenJobs,
    what: "wall time of a whole `vitest run` process on one test file, spawn to exit",
    repetitions: REPETITIONS,
    coldSynthWallMs: round(cold.wallMs),
    coldStartMs: round(cold.phases?.startMs ?? Number.NaN),
    cachedWallMs: cachedWall,
    emptyFileWallMs: spread(empty),
    nodeTestWallMs: spread(nodeTest),
    cachedPhasesMs: {
      startTestApp: phase("startMs"),
      sendAndDrain10: phase("sendAndDrainMs"),
      stop: phase("stopMs"),
    },
    targets: {
      "a file sending 10 jobs through the example app runs in under 2 s after the first synth":
        cachedWall.median < 2_000,
    },
  };
  await writeResults(args.out, results);
  console.log(JSON.stringify(results, null, 2));
  await rm(CACHE_DIR, { recursive: true, force: true });
}

await main();
