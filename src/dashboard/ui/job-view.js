// One job of the ledger as the pages show it. The API sends the ledger's JobState as JSON; the
// contract first named some fields differently (id/state/enqueuedAt/endedAt), so both are read.

/**
 * @typedef {{ id: string, job: string, queue: string, state: string, attempts: number,
 *   createdAt: string | null, updatedAt: string | null, startedAt: string | null,
 *   finishedAt: string | null, result: unknown, failure: any }} JobView
 */

/** Every state, in the order a job goes through them (src/ledger/job-state.ts). */
export const JOB_STATES = ["queued", "running", "retrying", "succeeded", "dead", "skipped"];

/** @param {any} j @returns {JobView} */
export function jobView(j) {
  return {
    id: j.jobId ?? j.id,
    job: j.job,
    queue: j.queue,
    state: j.status ?? j.state,
    attempts: j.attempts ?? 0,
    createdAt: j.createdAt ?? j.enqueuedAt ?? null,
    updatedAt: j.updatedAt ?? null,
    startedAt: j.startedAt ?? null,
    finishedAt: j.finishedAt ?? j.endedAt ?? null,
    result: j.result ?? null,
    failure: j.failure ?? null,
  };
}
