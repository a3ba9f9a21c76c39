import { SqsJobsError } from "../core/errors.ts";
import type { JobFailure, JobStatus } from "./job-state.ts";
import type { IdCollision } from "./ledger.ts";

/**
 * The codes of the ledger's errors that no one catches by type (they end as a failed attempt or a
 * dead-letter reason): each is an {@link SqsJobsError} with its code, not a class.
 */

/** A job's `unique.key` or `concurrency.key` function threw or returned no usable key. */
export function jobKeyError(message: string): SqsJobsError {
  return new SqsJobsError("ERR_JOB_KEY", message);
}

/**
 * A message carries a job id whose ledger entry is another job's: another job name, queue or
 * payload (`differs`). Such a message is dead-lettered with reason `id-collision`; the other
 * job's entry is left as it is.
 */
export function jobIdReusedError(jobId: string, differs: readonly IdCollision[]): SqsJobsError {
  return new SqsJobsError(
    "ERR_JOB_ID_REUSED",
    `job id ${jobId} is another job's in the ledger (its ${differs.join(", ")} ${differs.length === 1 ? "differs" : "differ"}): two messages share one job id; give each job its own id`,
  );
}

/**
 * The ledger could not claim a run (DynamoDB failed beyond the SDK's retries, or anything else
 * threw while the consumer claimed it): the attempt counts as failed, and the last allowed one
 * dead-letters the job with this error. `cause` holds what was thrown.
 */
export function jobClaimError(
  jobName: string,
  thrown: { readonly name: string; readonly message: string },
  cause: unknown,
): SqsJobsError {
  return new SqsJobsError(
    "ERR_JOB_CLAIM",
    `the job ledger could not claim a run of job "${jobName}" (${thrown.name}: ${thrown.message}); the attempt counts as failed`,
    { cause },
  );
}

/**
 * `waitFor` of a debounced job that a later job of its key replaced: it ended `superseded` and
 * will never have a result (the later job's id is in its key's sends).
 */
export function jobSupersededError(jobName: string, jobId: string): SqsJobsError {
  return new SqsJobsError(
    "ERR_JOB_SUPERSEDED",
    `job "${jobName}" (${jobId}) was superseded by a later job of its debounce key and will not run; wait for the last job sent with that key`,
  );
}

/**
 * The job is dead: `waitFor` and `call` throw this with the dead-letter reason and
 * the last error's name, code and message (never payload contents).
 */
export class JobDeadError extends SqsJobsError {
  override readonly name: string = "JobDeadError";
  readonly jobId: string;
  readonly failure: JobFailure;
  readonly attempts: number;

  constructor(jobName: string, jobId: string, failure: JobFailure, attempts: number) {
    super(
      "ERR_JOB_DEAD",
      `job "${jobName}" (${jobId}) is dead${failure.reason === undefined ? "" : ` (${failure.reason})`} after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${failure.name}: ${failure.message}`,
    );
    this.jobId = jobId;
    this.failure = failure;
    this.attempts = attempts;
  }
}

/** `waitFor` gave up before the job finished; the job goes on. `status` is the last one read. */
export class WaitTimeoutError extends SqsJobsError {
  override readonly name: string = "WaitTimeoutError";
  readonly jobId: string;
  readonly status: JobStatus | undefined;

  constructor(jobName: string, jobId: string, timeoutMs: number, status: JobStatus | undefined) {
    super(
      "ERR_WAIT_TIMEOUT",
      `job "${jobName}" (${jobId}) did not finish within ${timeoutMs} ms (${status === undefined ? "the ledger has no entry for it yet" : `it is ${status}`}); it goes on, wait again or read it with getJob`,
    );
    this.jobId = jobId;
    this.status = status;
  }
}
