import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as z from "zod/mini";
import { defineJob, handle, JobClient, type JobDefinition, startWorker } from "../../src/index.ts";
import { createLedgerTableNamed as createLedgerTable } from "../../test/helpers/ledger-table-named.ts";
import { startDynaliteProcess } from "../lib/dynalite-process.ts";
import { benchDynamoDbClient } from "../lib/dynamodb.ts";
import { startFauxqsProcess } from "../lib/fauxqs-process.ts";
import { machineInfo } from "../lib/machine.ts";
import { writeResults } from "../lib/results.ts";
import type { ServerProcess } from "../lib/server-process.ts";
import { benchSqsClient, CallCounter, createQueue, deleteQueue } from "../lib/sqs.ts";
import { round } from "../lib/stats.ts";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "400" },
    out: { type: "string", default: fileURLToPath(new URL("../results/pacing.json", import.meta.url)) },
  },
});
const JOBS = Number(args.jobs);

const schema = z.object({ n: z.number(), key: z.string() });
/** The same job without pacing: what a tracked run costs anyway. */
const plain = defineJob({ name: "plain", schema });
/** Every run its own key, far under its limit: the common path, each token taken at the first try. */
const underLimit = defineJob({
  name: "under-limit",
  schema,
  rateLimit: { key: (p) => p.key, limit: 1, perSeconds: 60 },
});
/** One key at 100 starts a second: every delivery contends for the key's next start. */
const saturated = defineJob({ name: "saturated", schema, rateLimit: { limit: 100, perSeconds: 1 } });
/** 10 sends per key, each key's last one runs. */
const debounced = defineJob({ name: "debounced", schema, debounce: { key: (p) => p.key, seconds: 1 } });

interface Side {
  readonly calls: CallCounter;
}

/** DynamoDB requests per job, by command, of one side. */
function perJob(side: Side, jobs: number): Record<string, number> {
  return Object.fromEntries(Object.entries(side.calls.snapshot()).map(([c, n]) => [c, round(n / jobs, 3)]));
}

/**
 * Sends `payloads` one `send` each and runs them with one worker (`concurrency` records at once);
 * counts the DynamoDB requests of each side, and how long the runs took.
 */
async function measure(
  emulators: { fauxqs: ServerProcess; dynalite: ServerProcess },
  job: JobDefinition,
  payloads: readonly { n: number; key: string }[],
  expectRuns: number,
  concurrency: number,
) {
  const sqs = benchSqsClient(emulators.fauxqs.endpoint);
  const admin = benchDynamoDbClient(emulators.dynalite.endpoint);
  const name = `bench-pacing-${job.name}-${process.pid}`;
  const queueUrl = await createQueue(sqs, name);
  await createLedgerTable(admin, name);
  const producer = { calls: new CallCounter() };
  const consumer = { calls: new CallCounter() };
  const jobs = new JobClient({
    queueUrl,
    sqs,
    ledger: { tableName: name, dynamodb: benchDynamoDbClient(emulators.dynalite.endpoint, producer) },
  });
  for (const p of payloads) await jobs.send(job, p);
  let runs = 0;
  let allRan: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    allRan = resolve;
  });
  const t0 = performance.now();
  const worker = startWorker({
    queueUrl,
    sqs,
    handlers: [
      handle(job, () => {
        runs++;
        if (runs === expectRuns) allRan();
      }),
    ],
    ledger: { tableName: name, dynamodb: benchDynamoDbClient(emulators.dynalite.endpoint, consumer) },
    concurrency,
    waitTimeSeconds: 1,
    logLevel: "warn",
    handleSignals: false,
  });
  await done;
  const elapsedMs = performance.now() - t0;
  // Superseded deliveries of the debounced job may still be arriving: let them settle.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await worker.stop();
  await deleteQueue(sqs, queueUrl);
  return {
    job: job.name,
    sends: payloads.length,
    runs,
    seconds: round(elapsedMs / 1000, 2),
    producerRequestsPerSend: perJob(producer, payloads.length),
    consumerRequestsPerRun: perJob(consumer, runs),
  };
}

async function main() {
  const load = { start: loadavg()[0] };
  const [fauxqs, dynalite] = await Promise.all([startFauxqsProcess(), startDynaliteProcess()]);
  const emulators = { fauxqs, dynalite };
  try {
    const each = Array.from({ length: JOBS }, (_, n) => ({ n, key: `k${n}` }));
    const oneKey = Array.from({ length: JOBS }, (_, n) => ({ n, key: "one" }));
    const tenPerKey = Array.from({ length: JOBS }, (_, n) => ({ n, key: `k${Math.floor(n / 10)}` }));
    const results = [
      await measure(emulators, plain, each, JOBS, 20),
      await measure(emulators, underLimit, each, JOBS, 20),
      await measure(emulators, saturated, oneKey, JOBS, 20),
      await measure(emulators, debounced, tenPerKey, JOBS / 10, 20),
    ];
    const out = { machine: machineInfo(), load: { ...load, end: loadavg()[0] }, jobs: JOBS, results };
    console.log(JSON.stringify(out, null, 2));
    await writeResults(args.out, out);
  } finally {
    await Promise.all([fauxqs.stop(), dynalite.stop()]);
  }
}

await main();
