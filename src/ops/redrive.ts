import type { SQSClient } from "@aws-sdk/client-sqs";
import { isEmptyFilter } from "./dead-letter-filter.ts";
import { clientSideMove } from "./redrive-client.ts";
import type { RedriveOptions, RedriveResult } from "./redrive-options.ts";
import { serverSideMove } from "./redrive-server.ts";

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
