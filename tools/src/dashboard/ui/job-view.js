// A job of the ledger as the API sends it (docs/dashboard.md): listings come from the ledger's
// list index, so there `startedAt`, `finishedAt`, `result`, `progress` and `failure` are null;
// `api/jobs/<id>` has them.

/**
 * @typedef {{ jobId: string, jobName: string, queue: string, status: string, attempts: number,
 *   createdAt: string | null, updatedAt: string | null, startedAt: string | null,
 *   finishedAt: string | null, result: unknown, progress: unknown, reason: string | null,
 *   throttledUntil?: string | null,
 *   failure: { reason: string | null, name: string, message: string, code: string | null } | null }} Job
 */

/**
 * Every state, in the order a job goes through them: src/ledger/job-state.ts's, held equal by
 * test/dashboard/job-states.test.ts.
 */
export const JOB_STATES = [
  "queued",
  "running",
  "retrying",
  "succeeded",
  "dead",
  "skipped",
  "superseded",
  "cancelled",
];
