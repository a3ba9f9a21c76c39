import type { JobOutcome } from "./hooks.ts";

interface JobTotals {
  processed: number;
  succeeded: number;
  failed: number;
  dead: number;
  throttled: number;
  durationMs: number;
}

/** The default CloudWatch namespace of the Lambda driver's metrics. */
export const DEFAULT_METRICS_NAMESPACE = "SqsJobs";

const METRICS = [
  { Name: "processed", Unit: "Count" },
  { Name: "succeeded", Unit: "Count" },
  { Name: "failed", Unit: "Count" },
  { Name: "dead", Unit: "Count" },
  { Name: "throttled", Unit: "Count" },
  { Name: "duration", Unit: "Milliseconds" },
];

/**
 * Per-job counters of one batch, written as CloudWatch Embedded Metric Format: one JSON line per
 * job name per batch, which CloudWatch Logs turns into metrics with no API call.
 */
export class BatchMetrics {
  readonly #byJob = new Map<string, JobTotals>();

  add(jobName: string | undefined, outcome: JobOutcome, durationMs: number): void {
    const totals = this.#totals(jobName);
    totals.processed++;
    if (outcome === "succeeded") totals.succeeded++;
    else if (outcome === "dead") totals.dead++;
    else totals.failed++;
    totals.durationMs += durationMs;
  }

  /** A delivery its job's rate limit held back (waiting in place or handed back to the queue). */
  throttled(jobName: string): void {
    this.#totals(jobName).throttled++;
  }

  #totals(jobName: string | undefined): JobTotals {
    const job = jobName ?? "(unknown)";
    let totals = this.#byJob.get(job);
    if (totals === undefined) {
      totals = { processed: 0, succeeded: 0, failed: 0, dead: 0, throttled: 0, durationMs: 0 };
      this.#byJob.set(job, totals);
    }
    return totals;
  }

  /**
   * EMF documents, one per job name (dimension `jobName`); `failed` counts failed attempts that did
   * not end dead (`retrying`, `handed-back`); `throttled` deliveries their rate limit held back;
   * `duration` is the batch's mean in ms.
   */
  lines(namespace: string, timestamp: number): string[] {
    const lines: string[] = [];
    for (const [jobName, totals] of this.#byJob) {
      const document = {
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [["jobName"]], Metrics: METRICS }],
        },
        jobName,
        processed: totals.processed,
        succeeded: totals.succeeded,
        failed: totals.failed,
        dead: totals.dead,
        throttled: totals.throttled,
        // A batch whose jobs were all handed back throttled ran none: no duration to average.
        duration:
          totals.processed === 0 ? 0 : Math.round((totals.durationMs / totals.processed) * 1000) / 1000,
      };
      lines.push(JSON.stringify(document));
    }
    return lines;
  }
}
