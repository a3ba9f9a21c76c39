import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { z } from "zod";
import { createSqsHandler, handle, type LambdaContext, type SqsEvent } from "../../src/index.ts";
import { benchSqsClient, CallCounter } from "../lib/sqs.ts";
import { spread } from "../lib/stats.ts";
import { benchJob, benchSchema, sqsEvent } from "./workload.ts";

/** One way of handling a whole SQS event; resolves to the number of records reported failed. */
interface LambdaMethod {
  readonly name: string;
  readonly description: string;
  readonly invoke: (event: SqsEvent, context: LambdaContext) => Promise<number> | number;
}

export interface LambdaCostOptions {
  readonly repetitions: number;
  /** Records handled per sample, per batch size: enough for a sample of tens of milliseconds. */
  readonly recordsPerSample: number;
  readonly settleMs: number;
}

const noop = async (): Promise<void> => {};

/**
 * A Lambda context as the Node.js runtime makes it (the remaining time is read from the clock on
 * each call), with a deadline so far off that the remaining-time cut-off never triggers.
 */
const deadline = Date.now() + 24 * 3_600_000;
const context: LambdaContext = { getRemainingTimeInMillis: () => deadline - Date.now() };

/**
 * EMF metrics go to process.stdout. The benchmark replaces its `write` while a method runs: the
 * lines are still built (their cost is measured) and counted, but not written to the terminal,
 * whose speed would otherwise be what is measured.
 */
function captureStdout(): { lines(): number; restore(): void } {
  const original = process.stdout.write;
  let lines = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    if (typeof chunk === "string")
      for (let i = chunk.indexOf("\n"); i !== -1; i = chunk.indexOf("\n", i + 1)) lines++;
    return true;
  }) as typeof process.stdout.write;
  return {
    lines: () => lines,
    restore: () => {
      process.stdout.write = original;
    },
  };
}

function methods(counter: CallCounter): LambdaMethod[] {
  // Never reached: a no-op handler succeeds, so no retry, backoff or dead-letter call is made.
  // Port 9 (discard) on loopback, so a call would fail fast rather than leave the machine.
  const sqs = benchSqsClient("http://127.0.0.1:9", counter);
  const handlers = [handle(benchJob, noop)];
  // "warn" drops the one info line per succeeded job before it is built; what a user sets to keep
  // a high-volume function's logs to problems.
  const withMetrics = createSqsHandler(handlers, { sqs, logLevel: "warn" });
  const noMetrics = createSqsHandler(handlers, { sqs, logLevel: "warn", metrics: false });
  // The default level writes one "job succeeded" JSON line per job: its cost, stated beside.
  const withLogLine = createSqsHandler(handlers, { sqs, logLevel: "info" });
  const processor = new BatchProcessor(EventType.SQS);
  // What a Powertools user writes to get the same checks: parse the envelope, validate its payload.
  const recordHandler = async (record: { body: string }): Promise<void> => {
    const envelope = JSON.parse(record.body) as { payload: unknown };
    const checked = benchSchema.safeParse(envelope.payload);
    if (!checked.success) throw new Error("invalid payload");
    await noop();
  };
  // The checks sqs-jobs makes by default, as a Powertools user would add them: the whole envelope
  // through a strict zod schema (version, job, id, enqueuedAt as an ISO date, no unknown field)
  // and one EMF line per batch. Still not done here, that sqs-jobs does: the per-job timeout and
  // its abort signal, the attempt count, the remaining-time check, the job's duration.
  const envelopeSchema = z.strictObject({
    sqsJobs: z.literal(1),
    job: z.literal(benchJob.name),
    id: z.string().min(1).optional(),
    enqueuedAt: z.iso.datetime({ offset: true }).optional(),
    payload: benchSchema,
  });
  let succeeded = 0;
  const sameChecksHandler = async (record: { body: string }): Promise<void> => {
    const checked = envelopeSchema.safeParse(JSON.parse(record.body));
    if (!checked.success) throw new Error("invalid envelope");
    await noop();
    succeeded++;
  };
  const emfLine = (processed: number) =>
    JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: "Bench",
            Dimensions: [["jobName"]],
            Metrics: [
              { Name: "processed", Unit: "Count" },
              { Name: "succeeded", Unit: "Count" },
            ],
          },
        ],
      },
      jobName: benchJob.name,
      processed,
      succeeded,
    });
  return [
    {
      name: "sqs-jobs createSqsHandler",
      description:
        "createSqsHandler([handle(job, async () => {})], { logLevel: 'warn' }): EMF metrics on (the default), one line per batch",
      invoke: async (event, ctx) => (await withMetrics(event, ctx)).batchItemFailures.length,
    },
    {
      name: "sqs-jobs createSqsHandler (metrics off)",
      description: "the same with metrics: false",
      invoke: async (event, ctx) => (await noMetrics(event, ctx)).batchItemFailures.length,
    },
    {
      name: "sqs-jobs createSqsHandler (log level info)",
      description:
        "the default logLevel 'info': metrics on plus one JSON log line per succeeded job (built and written to the captured stdout)",
      invoke: async (event, ctx) => (await withLogLine(event, ctx)).batchItemFailures.length,
    },
    {
      name: "Powertools BatchProcessor",
      description:
        "@aws-lambda-powertools/batch 2.35 BatchProcessor(EventType.SQS) + processPartialResponse; the record handler does JSON.parse of the envelope + zod safeParse of the payload",
      invoke: async (event, ctx) =>
        (
          await processPartialResponse(
            event as Parameters<typeof processPartialResponse>[0],
            recordHandler,
            processor,
            {
              context: ctx as never,
            },
          )
        ).batchItemFailures.length,
    },
    {
      name: "Powertools BatchProcessor (same checks)",
      description:
        "the same BatchProcessor, with the checks sqs-jobs makes by default: the envelope through a strict zod schema (version, job, id, ISO enqueuedAt, no unknown field) and one EMF line per batch on stdout; still no per-job timeout, attempt count or remaining-time check",
      invoke: async (event, ctx) => {
        succeeded = 0;
        const response = await processPartialResponse(
          event as Parameters<typeof processPartialResponse>[0],
          sameChecksHandler,
          processor,
          { context: ctx as never },
        );
        process.stdout.write(`${emfLine(event.Records.length)}\n`);
        return response.batchItemFailures.length;
      },
    },
    {
      name: "bare loop (floor)",
      description:
        "for (record of Records) { JSON.parse(body); safeParse(payload) }: the work no library can avoid",
      invoke: (event) => {
        let failed = 0;
        for (const record of event.Records) {
          const envelope = JSON.parse(record.body) as { payload: unknown };
          if (!benchSchema.safeParse(envelope.payload).success) failed++;
        }
        return failed;
      },
    },
  ];
}

const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** ns per record for `invocations` calls on one event, after garbage is collected and things settle. */
async function sample(method: LambdaMethod, event: SqsEvent, invocations: number, settleMs: number) {
  collectGarbage?.();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const t0 = process.hrtime.bigint();
  let failed = 0;
  for (let i = 0; i < invocations; i++) failed += await method.invoke(event, context);
  const ns = Number(process.hrtime.bigint() - t0);
  if (failed > 0) throw new Error(`${method.name}: ${failed} records reported failed`);
  return ns / (invocations * event.Records.length);
}

export async function runLambdaCost(options: LambdaCostOptions) {
  const counter = new CallCounter();
  const list = methods(counter);
  const sizes = [10, 10_000];
  const samples = new Map<string, number[]>();
  const key = (method: string, size: number) => `${method}|${size}`;
  const out = captureStdout();
  const emfLines = new Map<string, number>();
  try {
    for (const size of sizes) {
      const event = sqsEvent(size);
      const invocations = Math.max(1, Math.round(options.recordsPerSample / size));
      // Warm-up: every method runs a full sample first, so the JIT has settled before any figure.
      for (const m of list) await sample(m, event, invocations, 0);
      for (let rep = 0; rep < options.repetitions; rep++) {
        for (let k = 0; k < list.length; k++) {
          const m = list[(rep + k) % list.length] as (typeof list)[number];
          const before = out.lines();
          const ns = await sample(m, event, invocations, options.settleMs);
          emfLines.set(key(m.name, size), (out.lines() - before) / invocations);
          const list2 = samples.get(key(m.name, size)) ?? [];
          list2.push(ns);
          samples.set(key(m.name, size), list2);
        }
      }
    }
  } finally {
    out.restore();
  }
  // A no-op handler succeeds: any SQS call would be overhead (or a bug) in the measured path.
  if (counter.total() !== 0)
    throw new Error(`the Lambda handlers made SQS calls: ${JSON.stringify(counter.snapshot())}`);

  const result: Record<string, unknown> = {};
  const ratios: Record<string, unknown> = {};
  for (const size of sizes) {
    const perMethod: Record<string, unknown> = {};
    for (const m of list) {
      const ns = samples.get(key(m.name, size)) ?? [];
      perMethod[m.name] = {
        nsPerRecord: spread(ns, 0),
        stdoutLinesPerInvocation: emfLines.get(key(m.name, size)) ?? 0,
      };
      console.log(
        `lambda ${String(size).padStart(5)} records  ${m.name.padEnd(40)} ${spread(ns, 0).median} ns/record`,
      );
    }
    result[`records${size}`] = perMethod;
    // Ratios within each repetition (the methods ran back to back), then summarised.
    const ratio = (a: string, b: string) => {
      const xs = samples.get(key(a, size)) ?? [];
      const ys = samples.get(key(b, size)) ?? [];
      return spread(
        xs.map((x, i) => x / (ys[i] ?? Number.NaN)),
        2,
      );
    };
    ratios[`records${size}`] = {
      sqsJobsVsPowertools: ratio("sqs-jobs createSqsHandler", "Powertools BatchProcessor"),
      sqsJobsMetricsOffVsPowertools: ratio(
        "sqs-jobs createSqsHandler (metrics off)",
        "Powertools BatchProcessor",
      ),
      sqsJobsLogLineVsPowertools: ratio(
        "sqs-jobs createSqsHandler (log level info)",
        "Powertools BatchProcessor",
      ),
      sqsJobsVsPowertoolsSameChecks: ratio(
        "sqs-jobs createSqsHandler",
        "Powertools BatchProcessor (same checks)",
      ),
      sqsJobsVsFloor: ratio("sqs-jobs createSqsHandler", "bare loop (floor)"),
      powertoolsVsFloor: ratio("Powertools BatchProcessor", "bare loop (floor)"),
    };
  }
  return {
    methods: Object.fromEntries(list.map((m) => [m.name, m.description])),
    sqsCalls: counter.total(),
    repetitions: options.repetitions,
    settleMs: options.settleMs,
    recordsPerSample: options.recordsPerSample,
    results: result,
    ratios,
  };
}
