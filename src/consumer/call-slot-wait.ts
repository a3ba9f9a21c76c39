import { setTimeout as sleep } from "node:timers/promises";
import { exponentialBackoff } from "../core/retry.ts";
import type { HandledJob } from "./handle.ts";
import type { Begin, JobTracking, TrackedDelivery } from "./job-tracking.ts";

/** A call's tries for a taken slot: 250 ms apart at first, doubling to 2 s. */
const CALL_SLOT_BACKOFF = { base: 250, max: 2_000 } as const;

export interface CallWait {
  /** How long the caller lets the call wait before it must start. */
  readonly waitMs: number;
  /** Whether a run of `timeoutMs` still fits the invocation (Lambda's remaining time). */
  readonly canStart: ((timeoutMs: number) => boolean) | undefined;
}

/**
 * Asks the ledger for a call's run like a queued record's, but a call has no queue to wait on:
 * when every slot of its key is taken it tries again in place, while its wait and the
 * invocation's time allow, and returns the last `wait` when they do not.
 */
export async function beginCall(
  tracking: JobTracking,
  job: HandledJob,
  delivery: TrackedDelivery,
  wait: CallWait,
): Promise<Begin> {
  const until = Date.now() + wait.waitMs;
  for (let tries = 1; ; tries++) {
    const begun = await tracking.begin(job, delivery);
    if (begun.kind !== "wait") return begun;
    const pauseMs = exponentialBackoff(CALL_SLOT_BACKOFF, tries);
    const fits = wait.canStart?.(job.timeoutSeconds * 1000 + pauseMs) ?? true;
    if (Date.now() + pauseMs > until || !fits) return begun;
    await sleep(pauseMs);
  }
}
