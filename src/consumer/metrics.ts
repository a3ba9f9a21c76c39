import { keepHiddenClass } from "../core/keep-hidden-class.ts";
import type { JobOutcome } from "./hooks.ts";

interface JobTotals {
  readonly job: string;
  processed: number;
  succeeded: number;
  failed: number;
  deadLettered: number;
  /** The sum of (end - start) of the jobs counted, in ms; ends not read yet count in `unstamped`. */
  durationMs: number;
  /** Jobs that ended since the clock was last read: their end is the next reading. */
  unstamped: number;
}

const RESOLVED = Promise.resolve();

/** The default CloudWatch namespace of the Lambda driver's metrics. */
export const DEFAULT_METRICS_NAMESPACE = "SqsJobs";

/**
 * Per-job counters of one batch, written as CloudWatch Embedded Metric Format: one JSON line per
 * job name per batch, which CloudWatch Logs turns into metrics with no API call.
 *
 * Durations cost about one clock read per job rather than two: a job's end is one reading queued
 * behind its completion and shared by every completion queued before it runs, so at most the
 * rest of that microtask queue late (microseconds; a quick job's mean reads a little high). A
 * clock read costs as much as the rest of the core's work on a quick job.
 */
export class BatchMetrics {
  readonly #byJob = new Map<string, JobTotals>();
  #last: JobTotals | undefined;
  #unstamped = 0;
  #flushQueued = false;
  readonly #flush = (): void => {
    this.#flushQueued = false;
    if (this.#unstamped > 0) this.stamp(performance.now());
  };

  /**
   * Counts one ended job that started at `startedAt` and ended at `endedAt`, or (undefined) now,
   * as the next clock reading will say (both in performance.now() ms).
   */
  add(jobName: string | undefined, outcome: JobOutcome, startedAt: number, endedAt?: number): void {
    const totals = this.#totals(jobName ?? "(unknown)");
    totals.processed++;
    if (outcome === "succeeded") totals.succeeded++;
    else if (outcome === "dead-lettered") totals.deadLettered++;
    else totals.failed++;
    totals.durationMs -= startedAt;
    if (endedAt !== undefined) {
      totals.durationMs += endedAt;
      return;
    }
    totals.unstamped++;
    this.#unstamped++;
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      // Not queueMicrotask: Node makes an AsyncResource for each call, which costs more than a read.
      RESOLVED.then(this.#flush);
    }
  }

  /** A clock reading (performance.now()): the end of every job counted since the last one. */
  stamp(now: number): void {
    if (this.#unstamped === 0) return;
    const last = this.#last as JobTotals;
    if (last.unstamped === this.#unstamped) {
      // All of them of one job, as in nearly every batch.
      last.durationMs += last.unstamped * now;
      last.unstamped = 0;
    } else {
      for (const totals of this.#byJob.values()) {
        totals.durationMs += totals.unstamped * now;
        totals.unstamped = 0;
      }
    }
    this.#unstamped = 0;
  }

  #totals(job: string): JobTotals {
    const last = this.#last;
    if (last !== undefined && last.job === job) return last;
    let totals = this.#byJob.get(job);
    if (totals === undefined) {
      totals = { job, processed: 0, succeeded: 0, failed: 0, deadLettered: 0, durationMs: 0, unstamped: 0 };
      this.#byJob.set(job, totals);
    }
    this.#last = totals;
    return totals;
  }

  /** EMF documents, one per job name (dimension `job`); `duration` is the batch's mean in ms. */
  lines(format: EmfFormat, timestamp: number): string[] {
    this.stamp(performance.now());
    const out: string[] = [];
    for (const totals of this.#byJob.values()) out.push(format.line(totals, timestamp));
    return out;
  }
}

keepHiddenClass(new BatchMetrics());

/** Job names whose line start is kept; poison can name any job, so the cache has a bound. */
const MAX_CACHED_JOBS = 100;

/**
 * The EMF lines of one handler's namespace. They are written by hand around cached pieces: this
 * runs on every invocation, and JSON.stringify of the document (or only the number-to-text of a
 * fractional duration and a 13-digit timestamp) cost more than the records of a small batch.
 */
export class EmfFormat {
  readonly #metadata: string;
  readonly #heads = new Map<string, string>();
  #timestamp = Number.NaN;
  #timestampText = "";

  constructor(namespace: string) {
    this.#metadata = JSON.stringify([
      {
        Namespace: namespace,
        Dimensions: [["job"]],
        Metrics: [
          { Name: "processed", Unit: "Count" },
          { Name: "succeeded", Unit: "Count" },
          { Name: "failed", Unit: "Count" },
          { Name: "deadLettered", Unit: "Count" },
          { Name: "duration", Unit: "Milliseconds" },
        ],
      },
    ]);
  }

  line(t: JobTotals, timestamp: number): string {
    if (timestamp !== this.#timestamp) {
      this.#timestamp = timestamp;
      this.#timestampText = String(timestamp);
    }
    const mean = t.processed === 0 ? 0 : t.durationMs / t.processed;
    return `{"_aws":{"Timestamp":${this.#timestampText}${this.#head(t.job)}${t.processed},"succeeded":${t.succeeded},"failed":${t.failed},"deadLettered":${t.deadLettered},"duration":${millis(mean)}}`;
  }

  /** Everything from after the timestamp to the value of `processed`. */
  #head(job: string): string {
    let head = this.#heads.get(job);
    if (head === undefined) {
      head = `,"CloudWatchMetrics":${this.#metadata}},"job":${JSON.stringify(job)},"processed":`;
      if (this.#heads.size < MAX_CACHED_JOBS) this.#heads.set(job, head);
    }
    return head;
  }
}

/** Milliseconds with three decimals, from whole microseconds (far cheaper than a double's shortest text). */
function millis(ms: number): string {
  const us = Number.isFinite(ms) && ms > 0 ? Math.round(ms * 1000) : 0;
  const frac = us % 1000;
  return `${(us - frac) / 1000}.${frac < 10 ? "00" : frac < 100 ? "0" : ""}${frac}`;
}
