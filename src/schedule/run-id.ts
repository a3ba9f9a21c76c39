/**
 * The job id of a run of a periodic schedule (`JobQueue.schedule`):
 * `<queue>:<schedule>@<scheduled time>`, e.g. `reports:NightlyReport@2026-12-01T02:00:00Z`.
 * Every delivery of the run shares it (Scheduler delivers at least once, with a new execution id
 * each time), so the ledger runs it once; the queue keeps apart schedules of the same name on
 * queues that share a ledger. Neither a queue name nor a schedule name can hold `:` or `@`.
 *
 * @example
 * scheduledRunId("reports", "NightlyReport", "2026-12-01T02:00:00Z") // "reports:NightlyReport@2026-12-01T02:00:00Z"
 */
export function scheduledRunId(queue: string, schedule: string, scheduledAt: string): string {
  return `${queue}:${schedule}@${scheduledAt}`;
}
