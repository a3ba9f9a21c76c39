import type { SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs";
import { isQueueMissing } from "../core/aws-errors.ts";
import { QueueNotFoundError, type SqsJobsError } from "../core/errors.ts";
import type { SqsLink } from "../core/sqs-connect.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../core/sqs-limits.ts";
import { type AttemptWatch, watchAttempts } from "./attempt-watch.ts";
import type { BatchAnswer, Pending } from "./batch-entries.ts";
import type { PreparedMessage } from "./message.ts";

/**
 * Where the deliver step puts jobs at once: a queue (SQS) or a topic (SNS). Both take one message
 * or a batch of up to 10, answer a batch entry by entry, and may store a message whose answer was
 * lost; the steps around a channel (keys, retries, order, results) are the same for both.
 */
export interface DeliveryChannel {
  /** The queue URL or topic ARN, for messages. */
  readonly target: string;
  /** Who holds what was sent ("SQS", "SNS"), for messages. */
  readonly service: string;
  /** The largest total size of one batch request. */
  readonly maxRequestBytes: number;
  /** Sends one message and resolves to its message id; the SDK's attempts are watched. */
  sendOne(message: PreparedMessage, attempts: AttemptWatch, signal: AbortSignal | undefined): Promise<string>;
  /** Sends up to 10 entries in one request; each entry's id is its position. */
  sendBatch(entries: readonly Pending[], attempts: AttemptWatch): Promise<BatchAnswer>;
  /** The error to end on when the target does not exist, or undefined for any other error. */
  missing(error: unknown): SqsJobsError | undefined;
}

/** An SQS queue: SendMessage and SendMessageBatch, with the commands of the link's SDK (loaded on first use). */
export function queueChannel({ client, sdk }: SqsLink, queueUrl: string): DeliveryChannel {
  return {
    target: queueUrl,
    service: "SQS",
    maxRequestBytes: SQS_MAX_MESSAGE_BYTES,
    async sendOne(m, attempts, signal) {
      const command = new sdk.SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: m.body,
        MessageAttributes: m.attributes,
        DelaySeconds: m.delaySeconds,
        MessageGroupId: m.groupId,
        MessageDeduplicationId: m.dedupId,
      });
      watchAttempts(command, attempts);
      return (await client.send(command, { abortSignal: signal })).MessageId ?? "";
    },
    async sendBatch(entries, attempts) {
      const command = new sdk.SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries.map(toEntry) });
      watchAttempts(command, attempts);
      return client.send(command);
    },
    missing: (error) =>
      isQueueMissing(error) ? new QueueNotFoundError(queueUrl, { cause: error }) : undefined,
  };
}

function toEntry(p: Pending, id: number): SendMessageBatchRequestEntry {
  const m = p.message;
  return {
    Id: String(id),
    MessageBody: m.body,
    MessageAttributes: m.attributes,
    DelaySeconds: m.delaySeconds,
    MessageGroupId: m.groupId,
    MessageDeduplicationId: m.dedupId,
  };
}
