import { mapLimit } from "../core/map-limit.ts";
import type { JobStatus } from "./job-state.ts";
import type { Ledger } from "./ledger.ts";
import type { JobSummary } from "./stored-job.ts";
import { LIST_SHARDS } from "./table-layout.ts";

/** Queues read at once: each costs {@link LIST_SHARDS} index queries per status. */
const QUEUE_CONCURRENCY = 4;

/**
 * The `limit` most recently changed jobs of some queues over some statuses, newest first (with
 * `before`, those that changed strictly before it): `sqs-jobs jobs list` and the dashboard's jobs
 * page. It reads every shard of the list index for each queue and status, so it costs
 * {@link listQueries} Query requests. A job that changed status while the index was read may
 * be listed under both; its newest entry is kept.
 *
 * @example
 * const jobs = await newestJobs(ledger, ["reports"], ["dead", "retrying"], 20);
 */
export async function newestJobs(
  ledger: Ledger,
  queues: readonly string[],
  statuses: readonly JobStatus[],
  limit: number,
  options: { readonly before?: Date } = {},
): Promise<JobSummary[]> {
  const perQueue = await mapLimit(queues, QUEUE_CONCURRENCY, async (queue) => {
    const lists = await Promise.all(statuses.map((status) => ledger.list(queue, status, limit, options)));
    return lists.flat();
  });
  return newestOf(perQueue.flat(), limit);
}

/** The Query requests one {@link newestJobs} call sends: one per queue, status and shard. */
export function listQueries(queues: number, statuses: number): number {
  return queues * statuses * LIST_SHARDS;
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
