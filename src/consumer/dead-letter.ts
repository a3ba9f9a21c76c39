import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import {
  type DeadLetterReason,
  DLQ_ATTRIBUTES,
  DLQ_ERROR_MESSAGE_MAX,
} from "../core/dead-letter-attributes.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import type { SqsRecord } from "./lambda-types.ts";
import { isFifoQueue } from "./queues.ts";

/** SQS's limit on message attributes per message. */
const MAX_ATTRIBUTES = 10;

export interface DeadLetterCopy {
  readonly reason: DeadLetterReason;
  readonly jobName: string | undefined;
  readonly error: unknown;
  readonly attempts: number;
  readonly sourceQueueUrl: string;
}

function nonEmpty(value: string, fallback: string): string {
  return value === "" ? fallback : value;
}

/** The attributes saying why, then as many of the original's as still fit in SQS's ten. */
export function deadLetterAttributes(
  record: SqsRecord,
  copy: DeadLetterCopy,
  now: Date,
): Record<string, MessageAttributeValue> {
  const error = copy.error;
  const errorName = error instanceof Error ? error.name : typeof error;
  const errorMessage = error instanceof Error ? error.message : String(error);
  const firstReceived = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  const out: Record<string, MessageAttributeValue> = {
    [DLQ_ATTRIBUTES.reason]: { DataType: "String", StringValue: copy.reason },
    [DLQ_ATTRIBUTES.errorName]: { DataType: "String", StringValue: nonEmpty(errorName, "Error") },
    [DLQ_ATTRIBUTES.errorMessage]: {
      DataType: "String",
      StringValue: nonEmpty(errorMessage.slice(0, DLQ_ERROR_MESSAGE_MAX), "(no message)"),
    },
    [DLQ_ATTRIBUTES.attempts]: { DataType: "Number", StringValue: String(copy.attempts) },
    [DLQ_ATTRIBUTES.firstFailureAt]: {
      DataType: "String",
      StringValue: (Number.isFinite(firstReceived) && firstReceived > 0
        ? new Date(firstReceived)
        : now
      ).toISOString(),
    },
    [DLQ_ATTRIBUTES.lastFailureAt]: { DataType: "String", StringValue: now.toISOString() },
    [DLQ_ATTRIBUTES.sourceQueue]: { DataType: "String", StringValue: copy.sourceQueueUrl },
  };
  if (copy.jobName !== undefined && copy.jobName !== "") {
    out[DLQ_ATTRIBUTES.job] = { DataType: "String", StringValue: copy.jobName.slice(0, 256) };
  }
  let count = Object.keys(out).length;
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (count >= MAX_ATTRIBUTES) break;
    if (name in out) continue;
    if (value.stringValue !== undefined) {
      out[name] = { DataType: value.dataType, StringValue: value.stringValue };
    } else if (value.binaryValue !== undefined) {
      out[name] = { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, "base64") };
    } else {
      continue;
    }
    count++;
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
