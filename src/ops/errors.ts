import { SqsJobsError } from "../core/errors.ts";

/**
 * A DLQ operation named a queue that has no dead-letter queue and is none itself (`ERR_NO_DLQ`).
 * The CLI prints it; no one catches it by type, so it is a code on {@link SqsJobsError}.
 */
export function noDeadLetterQueueError(queue: string, detail: string): SqsJobsError {
  return new SqsJobsError(
    "ERR_NO_DLQ",
    `queue "${queue}" has no dead-letter queue configured (${detail}); set a RedrivePolicy on it (JobQueue does) or name the DLQ itself`,
  );
}
