import type { DeadLetterReason } from "../core/dead-letter-attributes.ts";

/**
 * Where a tracked job is. `queued`: sent, not started. `running`: an attempt holds its lease.
 * `retrying`: an attempt failed and the message waits out its backoff. `succeeded` and `dead`
 * are final (a redrive from the DLQ takes a dead job up again). `skipped`: a run of a periodic
 * schedule with `overlap: "skip"` that found the schedule's previous run still working.
 * `superseded`: a debounced job another job of its key replaced before it ran (final).
 */
export type JobStatus = "queued" | "running" | "retrying" | "succeeded" | "dead" | "skipped" | "superseded";

/** The statuses a job ends in: nothing runs it again (but a redrive of a dead one). */
export type FinalStatus = "succeeded" | "dead" | "skipped" | "superseded";

/** Every {@link JobStatus}, in the order a job goes through them. */
export const JOB_STATUSES: readonly JobStatus[] = [
  "queued",
  "running",
  "retrying",
  "succeeded",
  "dead",
  "skipped",
  "superseded",
];

/** Why the last attempt failed, or why the job is dead. Never payload contents. */
export interface JobFailure {
  /** Set when the job is dead. */
  readonly reason: DeadLetterReason | undefined;
  /** The error's `name` (`ValidationError`, `PermanentError`, `TypeError`...). */
  readonly name: string;
  readonly message: string;
  /** The error's `code` when it had a string one (`ERR_JOB_TIMEOUT`...). */
  readonly code: string | undefined;
}

/** A job as the ledger knows it: what `JobClient.getJob` returns, these fields and no others. */
export interface JobState<Result = unknown> {
  readonly jobId: string;
  /** The job definition's `name`. */
  readonly jobName: string;
  /** The queue's name (the last part of its URL). */
  readonly queue: string;
  readonly status: JobStatus;
  /** Attempts started so far (the ledger counts them, so deliveries that ran nothing never count). */
  readonly attempts: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When the latest attempt started. */
  readonly startedAt: Date | undefined;
  /** When the job succeeded or died. */
  readonly finishedAt: Date | undefined;
  /**
   * While `running`: when the attempt's lease ends. A running job past it has stalled: its
   * attempt died, or could not record how it ended. The message's next delivery takes the job up
   * again; where none comes (the outcome was lost after the message left the queue) the entry
   * stays so until it expires.
   */
  readonly leaseEndsAt: Date | undefined;
  /** The handler's return value (validated by the job's `result` schema), once succeeded. */
  readonly result: Result | undefined;
  /** The last failure: the dead-letter reason once dead, the last error while retrying. */
  readonly failure: JobFailure | undefined;
  /**
   * While queued or retrying: its rate limit sent it back to the queue, to be tried again at
   * this time (docs/pacing.md). Waits of a few seconds in the consumer are not noted.
   */
  readonly throttledUntil: Date | undefined;
}
