import { SqsJobsError } from "../core/errors.ts";

/** A DLQ operation named a queue that has no dead-letter queue and is none itself. */
export class NoDeadLetterQueueError extends SqsJobsError {
  // Set explicitly: minifiers (esbuild in Lambda bundles) rename classes, and DLQ reasons show this name.
  override readonly name: string = "NoDeadLetterQueueError";
  readonly queue: string;

  constructor(queue: string, detail: string) {
    super(
      "ERR_NO_DLQ",
      `queue "${queue}" has no dead-letter queue configured (${detail}); set a RedrivePolicy on it (JobQueue does) or name the DLQ itself`,
    );
    this.queue = queue;
  }
}
