import type { JobOutcome } from "./hooks.ts";

interface JobTotals {
  processed: number;
  succeeded: number;
  failed: number;
  dead: number;
  throttled: number;
  cancelled: number;
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
  { Name: "cancelled", Unit: "Count" },
  { Name: "duration", Unit: "Milliseconds" },
];

/**
 * The outcomes also kept per queue (dimension `queue`), for the dashboard's rows: 5 more custom
 * metrics per queue, not 7 (`processed` is their sum, and a mean duration across job names says
 * little). A second directive of the same document, so each line is still one batch's counts.
 */
const QUEUE_METRICS = METRICS.filter((m) => m.Name !== "processed" && m.Name !== "duration");

/**
 * Per-job counters of one batch, written as CloudWatch Embedded Metric Format: one JSON line per
 * job name per batch, which CloudWatch Logs turns into metrics with no API call.
 */
export class BatchMetrics {
  readonly #byJob = new Map<string, JobTotals>();
  readonly #queue: string | undefined;

  /** `queue`: the name of the queue the batch came from; without it, no per-queue metrics. */
  constructor(options: { readonly queue?: string | undefined } = {}) {
    this.#queue = options.queue;
  }

  add(jobName: string | undefined, outcome: JobOutcome, durationMs: number): void {
    const totals = this.#totals(jobName);
    totals.processed++;
    if (outcome === "succeeded") totals.succeeded++;
    else if (outcome === "dead") totals.dead++;
    else if (outcome === "cancelled") totals.cancelled++;
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
      totals = { processed: 0, succeeded: 0, failed: 0, dead: 0, throttled: 0, cancelled: 0, durationMs: 0 };
      this.#byJob.set(job, totals);
    }
    return totals;
  }

  /**
   * EMF documents, one per job name (dimension `jobName`, and `queue` for all but `processed` and
   * `duration`); `failed` counts failed attempts that did not end dead (`retrying`,
   * `handed-back`); `throttled` deliveries their rate limit held back; `cancelled` runs a cancel
   * request stopped; `duration` is the batch's mean in ms.
   */
  lines(namespace: string, timestamp: number): string[] {
    const queue = this.#queue;
    const directives = [{ Namespace: namespace, Dimensions: [["jobName"]], Metrics: METRICS }];
    if (queue !== undefined) {
      directives.push({ Namespace: namespace, Dimensions: [["queue"]], Metrics: QUEUE_METRICS });
    }
    const lines: string[] = [];
    for (const [jobName, totals] of this.#byJob) {
      const document = {
        _aws: { Timestamp: timestamp, CloudWatchMetrics: directives },
        jobName,
        ...(queue === undefined ? {} : { queue }),
        processed: totals.processed,
        succeeded: totals.succeeded,
        failed: totals.failed,
        dead: totals.dead,
        throttled: totals.throttled,
        cancelled: totals.cancelled,
        // A batch whose jobs were all handed back throttled ran none: no duration to average.
        duration:
          totals.processed === 0 ? 0 : Math.round((totals.durationMs / totals.processed) * 1000) / 1000,
      };
      lines.push(JSON.stringify(document));
    }
    return lines;
  }
}
