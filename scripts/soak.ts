/**
 * The long run of the reliability suite (`npm run soak`): the same producer-under-faults and
 * worker-pipeline scenarios as test/reliability, at 100,000 jobs, against fauxqs in its own
 * process with persistence on. Prints the same lines as the suite and exits 1 if any job was lost,
 * misplaced or duplicated without being reported.
 *
 *   npm run soak                      # 100,000 jobs
 *   npm run soak -- --jobs 20000      # shorter
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startEmulatorProcess } from "../test/reliability/emulator-process.ts";
import { CONSUMER_RATES, PRODUCER_RATES } from "../test/reliability/issue-rates.ts";
import { formatPipelineTally, runPipeline } from "../test/reliability/pipeline.ts";
import { formatProducerTally, runProducerScenario } from "../test/reliability/producer-scenario.ts";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "100000" },
    seed: { type: "string", default: "2026" },
    concurrency: { type: "string", default: "100" },
  },
});
const jobs = Number(values.jobs);
const seed = Number(values.seed);
if (!Number.isInteger(jobs) || jobs < 100)
  throw new Error(`--jobs must be an integer >= 100, got ${values.jobs}`);

process.env.AWS_REGION ??= "us-east-1";
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";

const dataDir = mkdtempSync(join(tmpdir(), "sqs-jobs-soak-"));
const emulator = await startEmulatorProcess(dataDir);
let failed = false;
try {
  const started = Date.now();
  console.log(`soak: ${jobs} jobs, seed ${seed}, fauxqs at ${emulator.endpoint} (data in ${dataDir})`);

  const producer = await runProducerScenario(emulator.endpoint, {
    name: `${jobs} jobs, 10% throttled, 2% reset`,
    jobs,
    seed,
    rates: PRODUCER_RATES,
  });
  console.log(formatProducerTally(producer));
  failed ||= producer.lost + producer.duplicatedUnreported + producer.wrongMessageId > 0;

  const pipeline = await runPipeline(
    { endpoint: emulator.endpoint, restartEmulator: () => emulator.restart() },
    {
      name: `${jobs} jobs, faults on every call, 4 worker SIGKILLs, 1 emulator restart`,
      jobs,
      seed: seed + 1,
      workerConcurrency: Number(values.concurrency),
      producerRates: PRODUCER_RATES,
      consumerRates: CONSUMER_RATES,
      killWorkerAt: [0.2, 0.4, 0.6, 0.8],
      restartEmulatorAt: [0.5],
      timeoutMs: 60 * 60_000,
    },
  );
  console.log(formatPipelineTally(pipeline));
  failed ||=
    pipeline.lost + pipeline.misplaced + pipeline.deadLetteredWithoutReason + pipeline.leftInQueue > 0 ||
    pipeline.succeeded + pipeline.deadLettered !== pipeline.sent;
  console.log(
    `soak ${failed ? "FAILED" : "passed"} in ${Math.round((Date.now() - started) / 1000)} s on Node ${process.version}, ${new Date().toISOString()}`,
  );
} finally {
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
