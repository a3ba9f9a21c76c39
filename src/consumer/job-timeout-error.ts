import { SqsJobsError } from "../core/errors.ts";

/**
 * A handler ran past its job's `timeoutSeconds`. The attempt counts as failed (retried while
 * attempts are left); the handler's promise is abandoned, so handlers must stop work when
 * `ctx.signal` aborts.
 */
export class JobTimeoutError extends SqsJobsError {
  // Set explicitly: minifiers (esbuild in Lambda bundles) rename classes, and DLQ reasons show this name.
  override readonly name: string = "JobTimeoutError";
  readonly jobName: string;
  readonly timeoutSeconds: number;

  constructor(jobName: string, timeoutSeconds: number) {
    super(
      "ERR_JOB_TIMEOUT",
      `job "${jobName}" did not finish within its timeoutSeconds (${timeoutSeconds}); raise timeoutSeconds in defineJob or make the handler stop when ctx.signal aborts`,
    );
    this.jobName = jobName;
    this.timeoutSeconds = timeoutSeconds;
  }
}
