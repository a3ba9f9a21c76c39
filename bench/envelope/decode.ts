/**
 * What the envelope decoder's fast path (a body exactly as JobClient writes it: the header read by
 * one regex, JSON.parse of the payload alone) saves against the full path (JSON.parse of the whole
 * body), per record: for decodeEnvelope alone, and inside a whole Lambda invocation.
 *
 * The full path is taken by the same bodies with a leading space (valid JSON, same envelope; the
 * fast path's regex fails on the first character), built before timing.
 *
 * Run: npm exec -- node --expose-gc bench/envelope/decode.ts
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { createSqsHandler, handle, type LambdaContext, type SqsEvent } from "../../src/index.ts";
import { benchJob, sqsEvent } from "../consumer/workload.ts";
import { median } from "../lib/stats.ts";

const REPETITIONS = 15;
const RECORDS_PER_SAMPLE = 200_000;
const BATCH = 10;

const written = sqsEvent(BATCH);
const spaced: SqsEvent = { Records: written.Records.map((r) => ({ ...r, body: ` ${r.body}` })) };
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** A context whose remaining-time cut-off never triggers. */
const deadline = Date.now() + 24 * 3_600_000;
const context: LambdaContext = { getRemainingTimeInMillis: () => deadline - Date.now() };

// Never called: every job succeeds. Port 9 on loopback, so a call would fail fast.
const sqs = new SQSClient({ endpoint: "http://127.0.0.1:9", region: "us-east-1" });
const handlers = [handle(benchJob, async () => {})];
const quiet = createSqsHandler(handlers, { sqs, logLevel: "warn" });
const defaults = createSqsHandler(handlers, { sqs });

let sink = 0;

type Method = (event: SqsEvent) => Promise<void> | void;

const decodeOnly: Method = (event) => {
  for (const record of event.Records) sink += decodeEnvelope(record.body).job.length;
};
const lambda =
  (handler: typeof quiet): Method =>
  async (event) => {
    const { batchItemFailures } = await handler(event, context);
    if (batchItemFailures.length > 0) throw new Error("a record failed");
  };

/**
 * CPU ns per record (this process's user + system time, not wall time: the figures were taken on
 * a shared machine, where wall time counts other processes' turns).
 */
async function sample(method: Method, event: SqsEvent): Promise<number> {
  collectGarbage?.();
  const invocations = RECORDS_PER_SAMPLE / event.Records.length;
  const before = process.cpuUsage();
  for (let i = 0; i < invocations; i++) await method(event);
  const { user, system } = process.cpuUsage(before);
  return ((user + system) * 1000) / RECORDS_PER_SAMPLE;
}

const cases: [string, Method][] = [
  ["decodeEnvelope", decodeOnly],
  ["createSqsHandler, logLevel warn (metrics on)", lambda(quiet)],
  ["createSqsHandler, defaults (info line per job, metrics on)", lambda(defaults)],
];

// The default handler logs a line per job and EMF per batch: built (and measured), not written.
const write = process.stdout.write;
const results: string[] = [];
process.stdout.write = (() => true) as typeof process.stdout.write;
try {
  for (const [name, method] of cases) {
    const fast: number[] = [];
    const full: number[] = [];
    await sample(method, written);
    await sample(method, spaced);
    // Alternate, so drift from other load on the machine hits both paths alike.
    for (let rep = 0; rep < REPETITIONS; rep++) {
      fast.push(await sample(method, written));
      full.push(await sample(method, spaced));
    }
    const f = median(fast);
    const p = median(full);
    results.push(
      `${name}: fast path ${f.toFixed(0)} ns/record, full path ${p.toFixed(0)} ns/record, saved ${(p - f).toFixed(0)} ns = ${(((p - f) / p) * 100).toFixed(1)}% of the full path's total`,
    );
  }
} finally {
  process.stdout.write = write;
}
console.log(
  `node ${process.version}, ${BATCH} records per event, body ${written.Records[0]?.body.length} characters, CPU time, median of ${REPETITIONS} alternating samples of ${RECORDS_PER_SAMPLE} records`,
);
for (const line of results) console.log(line);
if (sink === 0) console.log("(no record decoded)");
