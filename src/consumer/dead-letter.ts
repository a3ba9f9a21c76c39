import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import {
  ATTEMPTS_RUN_ATTRIBUTE,
  type DeadLetterReason,
  DLQ_ATTRIBUTES,
  DLQ_ERROR_MESSAGE_MAX,
} from "../core/dead-letter-attributes.ts";
import { isFifoQueue } from "../core/queue-url.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import { attributeText } from "./attribute-text.ts";
import { describeError } from "./describe-error.ts";
import type { SqsRecord } from "./lambda-types.ts";
import { sdkAttributes } from "./record-from-message.ts";

/** SQS's limit on message attributes per message. */
const MAX_ATTRIBUTES = 10;

export interface DeadLetterCopy {
  readonly reason: DeadLetterReason;
  readonly jobName: string | undefined;
  readonly error: unknown;
  readonly attempts: number;
  readonly sourceQueueUrl: string;
}

/** A String attribute SQS accepts; it refuses empty values too. */
function text(value: string, max: number, fallback: string): MessageAttributeValue {
  return { DataType: "String", StringValue: attributeText(value, max) || fallback };
}

/** The attributes saying why, then as many of the original's as still fit in SQS's ten. */
export function deadLetterAttributes(
  record: SqsRecord,
  copy: DeadLetterCopy,
  now: Date,
): Record<string, MessageAttributeValue> {
  const error = describeError(copy.error);
  const firstReceived = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  const firstFailure = Number.isFinite(firstReceived) && firstReceived > 0 ? new Date(firstReceived) : now;
  const out: Record<string, MessageAttributeValue> = {
    [DLQ_ATTRIBUTES.reason]: text(copy.reason, 64, "unknown"),
    [DLQ_ATTRIBUTES.errorName]: text(error.name, 256, "Error"),
    [DLQ_ATTRIBUTES.errorMessage]: text(error.message, DLQ_ERROR_MESSAGE_MAX, "(no message)"),
    [DLQ_ATTRIBUTES.attempts]: { DataType: "Number", StringValue: String(copy.attempts) },
    [DLQ_ATTRIBUTES.firstFailureAt]: text(firstFailure.toISOString(), 64, "-"),
    [DLQ_ATTRIBUTES.lastFailureAt]: text(now.toISOString(), 64, "-"),
    [DLQ_ATTRIBUTES.sourceQueue]: text(copy.sourceQueueUrl, 1_024, "-"),
  };
  if (copy.jobName !== undefined && copy.jobName !== "") {
    out[DLQ_ATTRIBUTES.job] = text(copy.jobName, 256, "-");
  }
  // The attempts-run count belongs to the source queue: a redriven copy starts counting afresh.
  for (const [name, value] of Object.entries(sdkAttributes(record))) {
    if (Object.keys(out).length >= MAX_ATTRIBUTES) break;
    if (name in out || name === ATTEMPTS_RUN_ATTRIBUTE) continue;
    out[name] = value;
  }
  return out;
}

/**
 * Writes a copy of the message (same body) to the DLQ with the attributes that say why. On a FIFO
 * DLQ the copy keeps its message group and is deduplicated on the source message id, so a
 * repeated dead-letter of one message within five minutes stores one copy.
 */
export async function sendToDeadLetter(
  sqs: SqsConnect,
  dlqUrl: string,
  record: SqsRecord,
  copy: DeadLetterCopy,
): Promise<void> {
  const fifo = isFifoQueue(dlqUrl);
  const { client, sdk } = await sqs();
  await client.send(
    new sdk.SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: record.body,
      MessageAttributes: deadLetterAttributes(record, copy, new Date()),
      MessageGroupId: fifo ? (record.attributes.MessageGroupId ?? "sqs-jobs-dead-letters") : undefined,
      MessageDeduplicationId: fifo ? `dlq-${record.messageId}`.slice(0, 128) : undefined,
    }),
  );
}
