import { SqsJobsError } from "../core/errors.ts";

/**
 * A delivery of a job that has already used its attempts: earlier runs crashed or timed out
 * without an outcome (the job ledger counted them), or its last failure could not be
 * dead-lettered. It is dead-lettered without running again, as `exhausted`.
 */
export class AttemptsExhaustedError extends SqsJobsError {
  // Set explicitly: minifiers (esbuild in Lambda bundles) rename classes, and DLQ reasons show this name.
  override readonly name: string = "AttemptsExhaustedError";

  constructor(jobName: string, runs: number, maxAttempts: number) {
    super(
      "ERR_ATTEMPTS_EXHAUSTED",
      `job "${jobName.slice(0, 80)}" was delivered again after ${runs} runs (maxAttempts ${maxAttempts}) that ended without an outcome (a crash, a timeout past its lease, or a dead-letter copy that failed); it is dead-lettered without running again`,
    );
  }
}
