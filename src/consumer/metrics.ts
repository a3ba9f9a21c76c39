import type { JobOutcome } from "./hooks.ts";

interface JobTotals {
  processed: number;
  succeeded: number;
  failed: number;
  deadLettered: number;
  durationMs: number;
}

/** The default CloudWatch namespace of the Lambda driver's metrics. */
export const DEFAULT_METRICS_NAMESPACE = "SqsJobs";

/**
 * Per-job counters of one batch, written as CloudWatch Embedded Metric Format: one JSON line per
 * job name per batch, which CloudWatch Logs turns into metrics with no API call.
 */
export class BatchMetrics {
  readonly #byJob = new Map<string, JobTotals>();

  add(jobName: string | undefined, outcome: JobOutcome, durationMs: number): void {
    const name = jobName ?? "(unknown)";
    let totals = this.#byJob.get(name);
    if (totals === undefined) {
      totals = { processed: 0, succeeded: 0, failed: 0, deadLettered: 0, durationMs: 0 };
      this.#byJob.set(name, totals);
    }
    totals.processed++;
    totals.durationMs += durationMs;
    if (outcome === "succeeded") totals.succeeded++;
    else if (outcome === "dead-lettered") totals.deadLettered++;
    else totals.failed++;
  }

  /** EMF documents, one per job name (dimension `job`); `duration` is the batch's mean in ms. */
  lines(namespace: string, timestamp: number): string[] {
    const metadata = metadataJson(namespace);
    const out: string[] = [];
    for (const [job, t] of this.#byJob) {
      const duration = t.processed === 0 ? 0 : Math.round((t.durationMs / t.processed) * 1000) / 1000;
      // Written by hand around the fixed metadata: this runs once per batch on every invocation,
      // and JSON.stringify of the whole document cost more than the records of a small batch.
      out.push(
        `{"_aws":{"Timestamp":${timestamp},"CloudWatchMetrics":${metadata}},"job":${JSON.stringify(job)},"processed":${t.processed},"succeeded":${t.succeeded},"failed":${t.failed},"deadLettered":${t.deadLettered},"duration":${duration}}`,
      );
    }
    return out;
  }
}

const metadataByNamespace = new Map<string, string>();

/** The `CloudWatchMetrics` directive, the same for every line of a namespace. */
function metadataJson(namespace: string): string {
  let json = metadataByNamespace.get(namespace);
  if (json === undefined) {
    json = JSON.stringify([
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
    metadataByNamespace.set(namespace, json);
  }
  return json;
}
