import { SqsJobsError } from "../core/errors.ts";

/** A message names a job this consumer has no handler for. Such a message is poison. */
export class UnknownJobError extends SqsJobsError {
  // Set explicitly: minifiers (esbuild in Lambda bundles) rename classes, and DLQ reasons show this name.
  override readonly name: string = "UnknownJobError";
  readonly jobName: string;

  constructor(jobName: string, known: readonly string[]) {
    const list = known
      .slice(0, 20)
      .map((n) => `"${n}"`)
      .join(", ");
    super(
      "ERR_UNKNOWN_JOB",
      `no handler for job "${jobName.slice(0, 80)}" on this consumer (it handles ${list || "no jobs"}); add handle(${jobName.slice(0, 80)}, ...) to its handlers or send the job to the queue that handles it`,
    );
    this.jobName = jobName;
  }
}
