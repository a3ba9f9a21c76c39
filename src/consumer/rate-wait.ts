import type { HandledJob } from "./handle.ts";
import type { Begin, JobTracking, TrackedDelivery } from "./job-tracking.ts";

/**
 * How long a record may wait in place for its reserved rate-limit start. A wait in place costs no
 * receive (FIFO queues count every hand-back as one) and starts to the millisecond; a start
 * further off goes back on the queue, where SQS's delays count whole seconds.
 */
const IN_PLACE_MS = 5_000;
/** The shortest wait in place worth reserving a start for, near the end of a Lambda invocation. */
const MIN_IN_PLACE_MS = 250;

/** What a record's claim found, and whether its rate limit made it wait. */
export interface RecordBegin {
  readonly begun: Begin;
  readonly throttled: boolean;
}

/**
 * Asks the ledger for a queued record's run. A rate-limited record whose key's next start is not
 * due reserves the next free one, if it is within the wait in place the run's time allows, and
 * waits for it; past that it is handed back (noted in the ledger for `getJob`).
 */
export async function beginRecord(
  tracking: JobTracking,
  job: HandledJob,
  delivery: TrackedDelivery,
  canStart: (timeoutMs: number) => boolean,
): Promise<RecordBegin> {
  const rateWaitMs = job.rateLimit === undefined ? 0 : inPlaceMs(job, canStart);
  const begun = await tracking.begin(job, delivery, { rateWaitMs });
  if (begun.kind === "run") return { begun, throttled: begun.throttledMs !== undefined };
  if (begun.kind !== "wait" || begun.throttledMs === undefined) return { begun, throttled: false };
  await tracking.recordThrottled(job, delivery.jobId, begun.delaySeconds);
  return { begun, throttled: true };
}

/** The longest wait in place that still leaves the run its timeout (a Lambda invocation's remaining time). */
function inPlaceMs(job: HandledJob, canStart: (timeoutMs: number) => boolean): number {
  for (let ms = IN_PLACE_MS; ms >= MIN_IN_PLACE_MS; ms /= 2) {
    if (canStart(job.timeoutSeconds * 1000 + ms)) return ms;
  }
  return 0;
}
