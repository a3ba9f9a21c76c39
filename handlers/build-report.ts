import { createSqsHandler, handle, JobClient, PermanentError } from "../src/index.ts";
import { BUCKET_ENV, EVENTS_TOPIC } from "./env.ts";
import { analyseText } from "./jobs/analyse-text.ts";
import { buildReport } from "./jobs/build-report.ts";
import { reportReady } from "./jobs/report-ready.ts";
import { type ObjectStore, s3StoreFromEnv } from "./object-store.ts";
import { analyse, type Report, reportKey } from "./report.ts";

/** Where a built report is announced: the `events` topic's `report.ready` (none in unit tests). */
export type ReportEvents = Pick<JobClient, "publish">;

/**
 * The `build-report` handler, given its store (S3 on AWS, memory in tests). Each built report is
 * published as `report.ready`, also when a retry finds it already built: a crash between the write
 * and the publish must not lose the event, and its consumers are idempotent by report.
 */
export function buildReportHandler(store: ObjectStore, events?: ReportEvents) {
  return handle(buildReport, async (payload, ctx) => {
    const key = reportKey(ctx.jobId);
    const built = await store.read(key, ctx.signal);
    if (built !== undefined) {
      ctx.logger.info("report already built", { key });
      const { lines, words } = JSON.parse(built) as Report;
      await events?.publish(reportReady, { reportKey: key, words });
      return { reportKey: key, lines, words };
    }
    // Shown by getJob, `sqs-jobs jobs get` and the dashboard while it runs; DELETE /reports/<jobId>
    // aborts ctx.signal, which every read and write here passes on.
    ctx.progress({ stage: "reading" });
    const text = await store.read(payload.inputKey, ctx.signal);
    // Retrying cannot make a missing input appear: dead-letter at once, with the reason. The
    // message goes to logs and the DLQ as written, so it names the problem, not payload values.
    if (text === undefined) throw new PermanentError("the input object does not exist");
    ctx.progress({ stage: "analysing", bytes: text.length });
    const report = analyse(text, { ...payload, jobId: ctx.jobId, signal: ctx.signal });
    ctx.progress({ stage: "writing", words: report.words });
    await store.write(key, JSON.stringify(report), ctx.signal);
    ctx.logger.info("report built", { key, bytes: report.bytes, words: report.words });
    await events?.publish(reportReady, { reportKey: key, words: report.words });
    return { reportKey: key, lines: report.lines, words: report.words };
  });
}

// Made on the first publish: the topic's variable is read then, not when the module loads.
let events: JobClient | undefined;
const publisher: ReportEvents = {
  publish: (job, payload, options) => {
    events ??= new JobClient({ topic: EVENTS_TOPIC });
    return events.publish(job, payload, options);
  },
};

/** The `analyse-text` handler: the text came in the job (through S3 when it was large). */
export function analyseTextHandler(store: ObjectStore) {
  return handle(analyseText, async ({ name, text, topWords }, ctx) => {
    const key = reportKey(ctx.jobId);
    const report = analyse(text, {
      inputKey: `text:${name}`,
      topWords,
      jobId: ctx.jobId,
      signal: ctx.signal,
    });
    await store.write(key, JSON.stringify(report), ctx.signal);
    return { reportKey: key, lines: report.lines, words: report.words };
  });
}

const store = s3StoreFromEnv(BUCKET_ENV);
export const handler = createSqsHandler([buildReportHandler(store, publisher), analyseTextHandler(store)]);
