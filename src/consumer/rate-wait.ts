import { setTimeout as sleep } from "node:timers/promises";
import { rateSpacingMs } from "../ledger/rate-limit.ts";
import type { HandledJob } from "./handle.ts";
import type { Begin, JobTracking, TrackedDelivery } from "./job-tracking.ts";

/**
 * How long a record may wait in place for its rate-limit token, all tries together. A wait in
 * place costs no receive (FIFO queues count every hand-back as one) and meets its token to the
 * millisecond; a longer one goes back on the queue, where SQS's delays count whole seconds.
 */
const IN_PLACE_MS = 5_000;
/** Tries after which a record's pause stops growing. */
const MAX_SPREAD_TRIES = 4;

/** What a record's claim found, and whether its rate limit made it wait. */
export interface RecordBegin {
  readonly begun: Begin;
  readonly throttled: boolean;
}

/**
 * Asks the ledger for a queued record's run. When its rate limit holds it, it waits in place for
 * its key's next start and tries again, while {@link IN_PLACE_MS} and the time to run it allow;
 * past that it is handed back (noted in the ledger for `getJob`). Each pause adds a random part
 * of a few spacings, growing with the tries, so records that lost the same token spread out
 * rather than all meet the next one.
 */
export async function beginRecord(
  tracking: JobTracking,
  job: HandledJob,
  delivery: TrackedDelivery,
  canStart: (timeoutMs: number) => boolean,
): Promise<RecordBegin> {
  let waitedMs = 0;
  for (let tries = 1; ; tries++) {
    const begun = await tracking.begin(job, delivery);
    if (begun.kind !== "wait" || begun.throttledMs === undefined || job.rateLimit === undefined) {
      return { begun, throttled: tries > 1 };
    }
    const spacingMs = rateSpacingMs(job.rateLimit.limit, job.rateLimit.perSeconds);
    const pauseMs =
      begun.throttledMs + Math.floor(Math.random() * spacingMs * Math.min(tries, MAX_SPREAD_TRIES));
    if (waitedMs + pauseMs > IN_PLACE_MS || !canStart(job.timeoutSeconds * 1000 + pauseMs)) {
      await tracking.recordThrottled(job, delivery.jobId, begun.delaySeconds);
      return { begun, throttled: true };
    }
    waitedMs += pauseMs;
    await sleep(pauseMs);
  }
}
