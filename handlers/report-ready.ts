import { createSqsHandler, handle } from "../src/index.ts";
import { BUCKET_ENV } from "./env.ts";
import { reportReady } from "./jobs/report-ready.ts";
import { type ObjectStore, s3StoreFromEnv } from "./object-store.ts";

/**
 * The two consumers of `report.ready`, one per queue, each with its own copy of every event its
 * subscription lets through. Keyed by the report, so a second copy of one event (the builder
 * publishes again when it finds its report already built) writes nothing twice.
 */
export function reportReadyHandler(store: ObjectStore, prefix: "audit" | "digests") {
  return handle(reportReady, async (payload, ctx) => {
    const key = `${prefix}/${payload.reportKey.replace(/^reports\//, "")}`;
    if (await store.exists(key, ctx.signal)) return;
    await store.write(key, JSON.stringify({ ...payload, jobId: ctx.jobId }), ctx.signal);
    ctx.logger.info(`${prefix} entry written`, { key });
  });
}

export const audit = createSqsHandler([reportReadyHandler(s3StoreFromEnv(BUCKET_ENV), "audit")]);
export const digest = createSqsHandler([reportReadyHandler(s3StoreFromEnv(BUCKET_ENV), "digests")]);
