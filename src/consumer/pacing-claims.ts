import { SqsJobsError } from "../core/errors.ts";
import type { DebounceOptions, RateLimitOptions } from "../core/pacing-options.ts";
import { SQS_MAX_DELAY_SECONDS } from "../core/sqs-limits.ts";
import { latestOf, recordSuperseded } from "../ledger/debounce.ts";
import { keyFor } from "../ledger/job-key.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { rateSpacingMs, takeRateToken } from "../ledger/rate-limit.ts";
import type { HandledJob } from "./handle.ts";
import type { SeenNextStarts } from "./seen-next-starts.ts";

/** A delivery that can never run: its key function threw or returned no key. */
type Poison = { readonly kind: "poison"; readonly error: Error };

/**
 * Back on the queue for `delaySeconds`, at no attempt. `throttledMs`: the job's rate limit holds
 * it, and its key's next start is that far off.
 */
export interface Wait {
  readonly kind: "wait";
  readonly delaySeconds: number;
  readonly why: string;
  readonly throttledMs?: number;
}

/** A payload's key, or the poison answer when its function throws or returns no key. */
export function payloadKey(
  what: "concurrency" | "rateLimit" | "debounce",
  jobName: string,
  key: unknown,
  payload: unknown,
): string | Poison {
  try {
    return keyFor(what, jobName, key, payload);
  } catch (error) {
    if (error instanceof SqsJobsError && error.code === "ERR_JOB_KEY") return { kind: "poison", error };
    throw error;
  }
}

/**
 * The run's rate-limit start (now, or a reserved one within `maxWaitMs`), or how the job waits
 * on the queue for one: until its key's next start is within a consumer's wait again, spread
 * over one window (at most 30 s) so that the jobs sent back together do not all come back at once.
 */
export async function rateToken(
  ledger: Ledger,
  job: HandledJob,
  rateLimit: RateLimitOptions<never>,
  request: {
    readonly payload: unknown;
    readonly runToken: string;
    readonly maxWaitMs: number;
    readonly seen: SeenNextStarts;
  },
): Promise<{ readonly kind: "taken"; readonly at: number } | Wait | Poison> {
  // Without a key function every run of the job shares one key.
  const key = payloadKey("rateLimit", job.name, rateLimit.key ?? "*", request.payload);
  if (typeof key !== "string") return key;
  const spacingMs = rateSpacingMs(rateLimit.limit, rateLimit.perSeconds);
  const { runToken, maxWaitMs, seen } = request;
  const seenNextAt = seen.get(job.name, key);
  const token = await takeRateToken(ledger, {
    job: job.name,
    key,
    spacingMs,
    runToken,
    maxWaitMs,
    seenNextAt,
  });
  if (token.kind === "taken") {
    seen.note(job.name, key, token.at + spacingMs);
    return token;
  }
  seen.note(job.name, key, Date.now() + token.waitMs);
  const dueInSeconds = Math.max(1, Math.ceil((token.waitMs - maxWaitMs) / 1000));
  const jitter = Math.floor(Math.random() * Math.min(rateLimit.perSeconds, 30));
  return {
    kind: "wait",
    delaySeconds: Math.min(SQS_MAX_DELAY_SECONDS, dueInSeconds + jitter),
    why: "the job's rate limit is reached",
    throttledMs: token.waitMs,
  };
}

/**
 * A debounced job's end when a later job of its key was sent: `superseded`, if it never started.
 * Undefined to go on: it is its key's last job, or no last job is recorded (the producer's write
 * after its send failed, or expired: running is the side that loses nothing), or it had started.
 */
export async function supersededBy(
  ledger: Ledger,
  job: HandledJob,
  debounce: DebounceOptions<never>,
  delivery: { readonly jobId: string; readonly payload: unknown; readonly queue: string },
): Promise<{ readonly kind: "skip"; readonly status: "superseded" } | Poison | undefined> {
  const key = payloadKey("debounce", job.name, debounce.key, delivery.payload);
  if (typeof key !== "string") return key;
  const latest = await latestOf(ledger, job.name, key);
  if (latest === undefined || latest === delivery.jobId) return undefined;
  const ended = await recordSuperseded(ledger, {
    jobId: delivery.jobId,
    job: job.name,
    queue: delivery.queue,
  });
  return ended ? { kind: "skip", status: "superseded" } : undefined;
}
