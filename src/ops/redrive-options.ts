import type { DeadLetterFilter } from "./dead-letter-filter.ts";
import type { QueueRef } from "./queue-ref.ts";

/** Which dead-lettered messages to move; all given fields must match (see {@link DeadLetterFilter}). */
export type RedriveFilter = DeadLetterFilter;

export interface RedriveProgress {
  /** Messages copied to their destination and then deleted from the DLQ. */
  readonly moved: number;
  /**
   * Received but left in the DLQ: the filter did not match, or (FIFO) an earlier message of its
   * group stays.
   */
  readonly skipped: number;
  /** Left in the DLQ because they could not be copied (see `errors`). */
  readonly failed: number;
  /**
   * Client-side: copies this run moved that were dead-lettered again before it ended; they are
   * left in the DLQ, never moved twice by one run.
   */
  readonly returned?: number;
  /** For a server-side move: what SQS expects to move in all, when it says. */
  readonly total?: number;
}

export interface RedriveResult extends RedriveProgress {
  /** `server`: SQS's StartMessageMoveTask did the move; `client`: sqs-jobs copied and deleted each message. */
  readonly mode: "server" | "client";
  /** Why a move without filters still ran client-side (the endpoint lacks StartMessageMoveTask). */
  readonly fallbackReason: string | undefined;
  /** One line per problem (failed copies, copies whose DLQ original could not be deleted). */
  readonly errors: readonly string[];
}

export interface RedriveOptions {
  readonly dlq: QueueRef;
  /** The queues that dead-letter into `dlq`; a message goes back to its own when there are several. */
  readonly sources: readonly QueueRef[];
  /** Send every message here instead of its source. */
  readonly to?: QueueRef;
  readonly filter?: RedriveFilter;
  /** Messages moved per second at most. @default as fast as SQS allows */
  readonly maxPerSecond?: number;
  readonly onProgress?: (progress: RedriveProgress) => void;
  /** How often a server-side move is polled for progress. @default 2,000 */
  readonly pollMs?: number;
}
