import { SqsJobsError } from "../core/errors.ts";

/**
 * A message names a job this consumer has no handler for (`ERR_UNKNOWN_JOB`). Such a message is
 * poison. No one catches it by type, so it is a code on {@link SqsJobsError}, not a class.
 */
export function unknownJobError(jobName: string, known: readonly string[]): SqsJobsError {
  const list = known
    .slice(0, 20)
    .map((n) => `"${n}"`)
    .join(", ");
  return new SqsJobsError(
    "ERR_UNKNOWN_JOB",
    `no handler for job "${jobName.slice(0, 80)}" on this consumer (it handles ${list || "no jobs"}); add handle(${jobName.slice(0, 80)}, ...) to its handlers or send the job to the queue that handles it`,
  );
}
