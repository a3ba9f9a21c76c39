import type { SQSClient } from "@aws-sdk/client-sqs";
import { type DeadLetterFilter, isEmptyFilter } from "./dead-letter-filter.ts";
import type { QueueRef } from "./queue-ref.ts";
import { clientSideMove } from "./redrive-client.ts";
import { serverSideMove } from "./redrive-server.ts";

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

/**
 * Moves dead-lettered messages back to be processed again.
 *
 * Without a filter it asks SQS to do it (StartMessageMoveTask, on AWS and LocalStack) and polls
 * until the task ends. With a filter, or when the endpoint lacks the move API (fauxqs 2.4), it
 * moves messages itself: each is deleted from the DLQ only after SendMessageBatch acknowledged
 * its copy; it moves at most the messages the DLQ held at its start, each once, and leaves in the
 * DLQ any copy that fails again while it runs; FIFO group ids are kept; the sqs-jobs reason attributes are dropped; the copy starts
 * with a receive count of 0, so the job gets its full attempts again. On FIFO a filtered move
 * stops in each group at the first message that does not match, so no job overtakes another
 * of its group.
 *
 * @example
 * const { dlq, sources } = await resolveDeadLetterPair(sqs, "reports");
 * const result = await redrive(sqs, { dlq, sources, filter: { job: "build-report" } });
 */
export async function redrive(sqs: SQSClient, options: RedriveOptions): Promise<RedriveResult> {
  if (isEmptyFilter(options.filter)) {
    const server = await serverSideMove(sqs, options);
    if (server.supported) return { ...server.result, mode: "server", fallbackReason: undefined };
    const client = await clientSideMove(sqs, options);
    return { ...client, mode: "client", fallbackReason: server.reason };
  }
  return { ...(await clientSideMove(sqs, options)), mode: "client", fallbackReason: undefined };
}
