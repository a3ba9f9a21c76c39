import type { JobStatus } from "./job-state.ts";
import type { Ledger } from "./ledger.ts";
import type { JobSummary } from "./stored-job.ts";

/**
 * The `limit` most recently changed jobs of a queue over several statuses, newest first (with
 * `before`, those that changed strictly before it). A job that changed status while the index
 * was read may be listed under both; its newest entry is kept.
 *
 * @example
 * const jobs = await newestJobs(ledger, "reports", ["dead", "retrying"], 20);
 */
export async function newestJobs(
  ledger: Ledger,
  queue: string,
  statuses: readonly JobStatus[],
  limit: number,
  options: { readonly before?: Date } = {},
): Promise<JobSummary[]> {
  const lists = await Promise.all(statuses.map((status) => ledger.list(queue, status, limit, options)));
  return newestOf(lists.flat(), limit);
}

/** The `limit` newest of job summaries, one per job id (its newest), newest first. */
export function newestOf(jobs: readonly JobSummary[], limit: number): JobSummary[] {
  const newest = new Map<string, JobSummary>();
  for (const job of jobs) {
    const seen = newest.get(job.jobId);
    if (seen === undefined || seen.updatedAt < job.updatedAt) newest.set(job.jobId, job);
  }
  return [...newest.values()].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime()).slice(0, limit);
}
