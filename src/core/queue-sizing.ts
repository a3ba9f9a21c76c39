/**
 * How a job queue is sized from its jobs, shared by the `JobQueue` construct and the testing kit's
 * queues declared in code.
 */

/** Time a consumer needs besides the job itself: start-up, SDK calls, a DLQ write. */
export const FUNCTION_TIMEOUT_MARGIN_SECONDS = 10;
/**
 * Receives SQS allows beyond `maxAttempts` before its redrive policy steps in, for receives that
 * run no attempt; without room for them SQS would move a job to the DLQ (with no reason attached)
 * before sqs-jobs saw its last real failure. On a standard queue an unstarted record goes back as a
 * fresh copy that keeps its real attempt count, so only crashes and failed hand-backs use the room:
 * `max(5, maxAttempts)`. On FIFO the attempt is the receive count, and a record can be returned
 * unstarted behind each failing attempt of every record ahead of it in its group within a batch:
 * `(batchSize - 1) x (maxAttempts - 1)` such receives at most (docs/guarantees.md), plus 5 for time
 * cut-offs and crashes.
 */
export function receiveCountHeadroom(maxAttempts: number, fifo: boolean, batchSize: number): number {
  if (!fifo) return Math.max(5, maxAttempts);
  return (batchSize - 1) * (maxAttempts - 1) + 5;
}
