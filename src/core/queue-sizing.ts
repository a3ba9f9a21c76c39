import { SQS_MAX_RECEIVE_COUNT } from "./sqs-limits.ts";

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
function receiveCountHeadroom(maxAttempts: number, fifo: boolean, batchSize: number): number {
  if (!fifo) return Math.max(5, maxAttempts);
  return (batchSize - 1) * (maxAttempts - 1) + 5;
}

/**
 * The redrive policy's `maxReceiveCount` for a queue of jobs. On a FIFO queue with a job ledger the
 * consumer counts runs itself and dead-letters a job with a reason once its runs are used up,
 * before it runs again (crashes and timeouts included), while every wait (a busy concurrency slot,
 * a running duplicate) costs a receive and none of them is bounded: SQS's largest value keeps its
 * redrive policy for what the consumer cannot see at all. A standard queue's waits re-send a fresh
 * copy and cost no receive, so with or without a ledger it gets the attempts plus
 * {@link receiveCountHeadroom}: a larger count would only let a message the consumer cannot
 * dead-letter (one too large for its reason) come back that many more times.
 */
export function defaultMaxReceiveCount(queue: {
  readonly maxAttempts: number;
  readonly fifo: boolean;
  readonly batchSize: number;
  readonly ledger: boolean;
}): number {
  if (queue.ledger && queue.fifo) return SQS_MAX_RECEIVE_COUNT;
  return queue.maxAttempts + receiveCountHeadroom(queue.maxAttempts, queue.fifo, queue.batchSize);
}
