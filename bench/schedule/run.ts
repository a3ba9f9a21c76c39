/**
 * Creates 10,000 one-time schedules with `sendBatch(..., { at })` against the local endpoint
 * (the test rig's emulator: fauxqs + our Scheduler API, in this process), then checks that every
 * item has a result and that the endpoint holds exactly the schedules the results name.
 * `npm run bench:schedule [-- --jobs N --concurrency C]`.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { paginateListSchedules, SchedulerClient } from "@aws-sdk/client-scheduler";
import * as z from "zod/mini";
import { defineJob, JobClient } from "../../src/index.ts";
import { startTestEmulator } from "../../test/helpers/emulator.ts";
import { machineInfo } from "../lib/machine.ts";
import { writeResults } from "../lib/results.ts";
import { benchSqsClient, createQueue } from "../lib/sqs.ts";
import { round } from "../lib/stats.ts";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "16" },
    out: { type: "string", default: fileURLToPath(new URL("../results/schedule.json", import.meta.url)) },
  },
});
const JOBS = Number(args.jobs);
const CONCURRENCY = Number(args.concurrency);

const reminder = defineJob({ name: "reminder", schema: z.object({ userId: z.string() }) });

async function main(): Promise<void> {
  process.env.AWS_REGION ??= "us-east-1";
  process.env.AWS_ACCESS_KEY_ID ??= "bench";
  process.env.AWS_SECRET_ACCESS_KEY ??= "bench";
  const emulator = await startTestEmulator();
  const sqs = benchSqsClient(emulator.endpoint);
  const scheduler = new SchedulerClient({ endpoint: emulator.endpoint });
  try {
    const queueUrl = await createQueue(sqs, `bench-schedule-${process.pid}`);
    const jobs = new JobClient({
      queueUrl,
      sqs,
      ledger: false,
      scheduler: { roleArn: "arn:aws:iam::000000000000:role/bench", client: scheduler },
    });
    const at = new Date(Date.now() + 24 * 3_600_000);
    const payloads = Array.from({ length: JOBS }, (_, i) => ({ userId: `user-${i}` }));
    const t0 = performance.now();
    const out = await jobs.sendBatch(reminder, payloads, { at, concurrency: CONCURRENCY });
    const elapsedMs = performance.now() - t0;

    const listed = new Set<string>();
    for await (const page of paginateListSchedules({ client: scheduler }, { NamePrefix: "sqs-jobs-" })) {
      for (const s of page.Schedules ?? []) listed.add(s.Name ?? "");
    }
    const named = out.items.flatMap((i) => (i.ok && i.scheduleName !== undefined ? [i.scheduleName] : []));
    const lost = named.filter((name) => !listed.has(name)).length;
    const results = {
      benchmark: "schedule",
      date: new Date().toISOString(),
      node: process.version,
      machine: machineInfo(),
      emulator: "the test rig's endpoint in this process: fauxqs and sqs-jobs' Scheduler API subset",
      jobs: JOBS,
      concurrency: CONCURRENCY,
      elapsedMs: round(elapsedMs),
      schedulesPerSec: round((out.succeeded * 1000) / elapsedMs),
      items: out.items.length,
      succeeded: out.succeeded,
      failed: out.failed,
      listed: listed.size,
      lost,
      targets: {
        "every item has a result and none is lost":
          out.items.length === JOBS && lost === 0 && out.failed === 0,
      },
    };
    await writeResults(args.out, results);
    console.log(JSON.stringify(results, null, 2));
    if (!results.targets["every item has a result and none is lost"]) process.exitCode = 1;
  } finally {
    scheduler.destroy();
    sqs.destroy();
    await emulator.stop();
  }
}

await main();
