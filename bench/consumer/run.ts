import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startFauxqsProcess } from "../lib/fauxqs-process.ts";
import { machineInfo } from "../lib/machine.ts";
import { writeResults } from "../lib/results.ts";
import { runColdStart } from "./cold-start.ts";
import { runDrain } from "./drain.ts";
import { runLambdaCost } from "./lambda-cost.ts";
import { runTraceCost } from "./trace-cost.ts";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "20000" },
    repetitions: { type: "string", default: "5" },
    warmup: { type: "string", default: "2000" },
    "settle-ms": { type: "string", default: "1000" },
    /**
     * Long samples: each starts after a forced full GC (so no method pays another's garbage), and
     * a full GC costs the optimised code a round of deoptimisation (tens of ms for every method,
     * which 20,000-record samples turned into half their time). Production sees full GCs rarely.
     */
    "records-per-sample": { type: "string", default: "200000" },
    /**
     * 15 rounds rather than 5: this shared machine has slow spells of seconds, and a median over
     * more back-to-back rounds rides them out (single runs of 5 swung the ratio by +-0.15).
     */
    "lambda-repetitions": { type: "string", default: "15" },
    "lambda-settle-ms": { type: "string", default: "250" },
    processes: { type: "string", default: "10" },
    /**
     * `--parts lambda,cold-start` for a quick look; the results file then lacks the others.
     * `traces` (tracing off and on per record) runs only when named: `--parts traces`.
     */
    parts: { type: "string", default: "lambda,drain,cold-start" },
    out: { type: "string", default: fileURLToPath(new URL("../results/consumer.json", import.meta.url)) },
  },
});
const parts = new Set(args.parts.split(","));
const repetitions = Number(args.repetitions);
const settleMs = Number(args["settle-ms"]);

const atMost = (target: number, actual: number | undefined) =>
  actual === undefined ? { target, actual: null, met: null } : { target, actual, met: actual <= target };
const atLeast = (target: number, actual: number | undefined) =>
  actual === undefined ? { target, actual: null, met: null } : { target, actual, met: actual >= target };

async function main(): Promise<void> {
  const lambda = parts.has("lambda")
    ? await runLambdaCost({
        repetitions: Number(args["lambda-repetitions"]),
        recordsPerSample: Number(args["records-per-sample"]),
        settleMs: Number(args["lambda-settle-ms"]),
      })
    : undefined;

  let drain: Awaited<ReturnType<typeof runDrain>> | undefined;
  if (parts.has("drain")) {
    const fauxqs = await startFauxqsProcess();
    try {
      drain = await runDrain(fauxqs, {
        messages: Number(args.messages),
        repetitions,
        warmup: Number(args.warmup),
        settleMs,
      });
    } finally {
      await fauxqs.stop();
    }
  }

  const traces = parts.has("traces")
    ? await runTraceCost({
        repetitions: Number(args["lambda-repetitions"]),
        recordsPerSample: Number(args["records-per-sample"]),
        settleMs: Number(args["lambda-settle-ms"]),
      })
    : undefined;

  const coldStart = parts.has("cold-start")
    ? await runColdStart({ processes: Number(args.processes) })
    : undefined;

  const lr = lambda?.ratios as
    | Record<
        string,
        { sqsJobsVsPowertools: { median: number }; sqsJobsMetricsOffVsPowertools: { median: number } }
      >
    | undefined;
  const cs = coldStart?.ratios["sqs-jobs (handlers/build-report.ts) vs Powertools batch + zod"];
  const lambdaTargets: Record<string, ReturnType<typeof atMost>> = {};
  for (const [metrics, ratio] of [
    ["metrics on (default)", "sqsJobsVsPowertools"],
    ["metrics off", "sqsJobsMetricsOffVsPowertools"],
  ] as const) {
    for (const [size, label] of [
      [10, "10"],
      [10_000, "10,000"],
    ] as const) {
      lambdaTargets[`(a) cost per record <= 1.0x Powertools + zod, ${label} records, ${metrics}`] = atMost(
        1.0,
        lr?.[`records${size}`]?.[ratio].median,
      );
    }
  }
  const targets = {
    ...lambdaTargets,
    "(b) worker throughput >= 2.5x sqs-consumer": atLeast(2.5, drain?.ratios.workerVsSqsConsumer?.median),
    "(b) worker throughput >= 0.9x raw SDK loop (same pollers)": atLeast(
      0.9,
      drain?.ratios.workerVsRawLoop?.median,
    ),
    "(c) bundle size <= 0.25x Powertools batch + zod": atMost(0.25, cs?.size),
    "(c) import time <= 0.25x Powertools batch + zod, SDK preloaded (bundle only)": atMost(
      0.25,
      cs?.importBundleOnly.median,
    ),
    "(c) import time <= 0.25x Powertools batch + zod, SDK loaded on the clock": atMost(
      0.25,
      cs?.importWithSdk.median,
    ),
  };

  const results = {
    benchmark: "consumer",
    date: new Date().toISOString(),
    node: process.version,
    machine: machineInfo(),
    repetitions,
    gcBetweenMethods: (globalThis as { gc?: () => void }).gc !== undefined,
    lambdaPerRecord: lambda,
    workerDrain: drain,
    traces,
    coldStart,
    targets,
  };
  await writeResults(args.out, results);
  console.log(JSON.stringify(targets, null, 2));
  console.log(`written to ${args.out}`);
}

await main();
