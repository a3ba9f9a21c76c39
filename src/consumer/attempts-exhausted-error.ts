import { SqsJobsError } from "../core/errors.ts";

/**
 * A delivery of a job that has already used its attempts (`ERR_ATTEMPTS_EXHAUSTED`): earlier runs
 * crashed or timed out without an outcome (the job ledger counted them), or its last failure could
 * not be dead-lettered. It is dead-lettered without running again, as `exhausted`. No one catches
 * it by type, so it is a code on {@link SqsJobsError}, not a class.
 */
export function attemptsExhaustedError(jobName: string, runs: number, maxAttempts: number): SqsJobsError {
  return new SqsJobsError(
    "ERR_ATTEMPTS_EXHAUSTED",
    `job "${jobName.slice(0, 80)}" was delivered again after ${runs} runs (maxAttempts ${maxAttempts}) that ended without an outcome (a crash, a timeout past its lease, or a dead-letter copy that failed); it is dead-lettered without running again`,
  );
}
