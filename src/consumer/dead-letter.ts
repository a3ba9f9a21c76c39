import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import {
  ATTEMPTS_RUN_ATTRIBUTE,
  type DeadLetterReason,
  DLQ_ATTRIBUTES,
  DLQ_ERROR_MESSAGE_MAX,
  DLQ_REASON_MAX,
  REASON_ATTRIBUTE_NAMES,
} from "../core/dead-letter-attributes.ts";
import { attributeBytes } from "../core/message-size.ts";
import { isFifoQueue } from "../core/queue-url.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import { TRACEPARENT_ATTRIBUTE, TRACESTATE_ATTRIBUTE } from "../core/trace-context.ts";
import { attributeText, cutToBytes } from "./attribute-text.ts";
import { describeError } from "./describe-error.ts";
import type { SqsRecord } from "./lambda-types.ts";
import { sdkAttributes } from "./record-from-message.ts";

/** SQS's limit on message attributes per message. */
const MAX_ATTRIBUTES = 10;

const TRACE_ATTRIBUTES: ReadonlySet<string> = new Set([TRACEPARENT_ATTRIBUTE, TRACESTATE_ATTRIBUTE]);

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

/** The reason attribute alone: the least a dead-letter copy carries. */
function reasonAttribute(reason: string): MessageAttributeValue {
  return text(reason, DLQ_REASON_MAX, "unknown");
}

/** Whether a copy of the record with its reason fits a queue of `maxBytes`: the body and at least the reason attribute. */
function canCarryReason(record: SqsRecord, maxBytes: number, reason: DeadLetterReason): boolean {
  const value = reasonAttribute(reason);
  return Buffer.byteLength(record.body, "utf8") + attributeBytes(DLQ_ATTRIBUTES.reason, value) <= maxBytes;
}

/**
 * The attributes saying why, then as many of the original's as still fit, within SQS's ten and
 * within `maxBytes` (the DLQ's maximum message size) beside the body, counted as SQS counts them.
 * The reason comes first; then the job, the attempts, the error's name, the times and the source
 * queue while they fit; the error message takes what is left, cut on a character boundary.
 * Undefined when not even the reason fits beside the body.
 */
export function deadLetterAttributes(
  record: SqsRecord,
  copy: DeadLetterCopy,
  now: Date,
  maxBytes: number,
): Record<string, MessageAttributeValue> | undefined {
  if (!canCarryReason(record, maxBytes, copy.reason)) return undefined;
  let room = maxBytes - Buffer.byteLength(record.body, "utf8");
  const out: Record<string, MessageAttributeValue> = {};
  const add = (name: string, value: MessageAttributeValue): void => {
    const size = attributeBytes(name, value);
    if (size > room || Object.keys(out).length >= MAX_ATTRIBUTES || name in out) return;
    out[name] = value;
    room -= size;
  };
  add(DLQ_ATTRIBUTES.reason, reasonAttribute(copy.reason));
  if (copy.jobName !== undefined && copy.jobName !== "")
    add(DLQ_ATTRIBUTES.job, text(copy.jobName, 256, "-"));
  add(DLQ_ATTRIBUTES.attempts, { DataType: "Number", StringValue: String(copy.attempts) });
  const error = describeError(copy.error);
  add(DLQ_ATTRIBUTES.errorName, text(error.name, 256, "Error"));
  const firstReceived = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  const firstFailure = Number.isFinite(firstReceived) && firstReceived > 0 ? new Date(firstReceived) : now;
  add(DLQ_ATTRIBUTES.lastFailureAt, text(now.toISOString(), 64, "-"));
  add(DLQ_ATTRIBUTES.firstFailureAt, text(firstFailure.toISOString(), 64, "-"));
  add(DLQ_ATTRIBUTES.sourceQueue, text(copy.sourceQueueUrl, 1_024, "-"));
  const message = text(error.message, DLQ_ERROR_MESSAGE_MAX, "(no message)").StringValue ?? "";
  const messageRoom = room - attributeBytes(DLQ_ATTRIBUTES.errorMessage, { DataType: "String" });
  const cut = cutToBytes(message, messageRoom);
  if (cut !== "") add(DLQ_ATTRIBUTES.errorMessage, { DataType: "String", StringValue: cut });
  // The attempts-run count belongs to the source queue: a redriven copy starts counting afresh.
  // A redriven original's reasons are of its last death: never in place of ours that did not fit.
  // The producer's trace goes last: a copy short of SQS's ten keeps what reading the job needs.
  const originals = Object.entries(sdkAttributes(record)).filter(
    ([name]) => name !== ATTEMPTS_RUN_ATTRIBUTE && !REASON_ATTRIBUTE_NAMES.has(name),
  );
  for (const [name, value] of originals) if (!TRACE_ATTRIBUTES.has(name)) add(name, value);
  for (const [name, value] of originals) if (TRACE_ATTRIBUTES.has(name)) add(name, value);
  return out;
}

/** Whether the body alone fits a queue of `maxBytes`: a copy of it can reach the DLQ, if bare. */
export function bodyFits(record: SqsRecord, maxBytes: number): boolean {
  return Buffer.byteLength(record.body, "utf8") <= maxBytes;
}

/**
 * Writes a copy of the message (same body) to the DLQ with the attributes that say why, fitted to
 * the DLQ's `maxBytes`. When not even the reason fits beside the body, the copy goes bare (no
 * attributes, as SQS's redrive policy would move it, but now: the job ledger keeps the reason);
 * when the body alone is too large, nothing is sent. On a FIFO DLQ the copy keeps its message
 * group and is deduplicated on the source message id, so a repeated dead-letter of one message
 * within five minutes stores one copy.
 */
export async function sendToDeadLetter(
  sqs: SqsConnect,
  dlq: { readonly url: string; readonly maxBytes: number },
  record: SqsRecord,
  copy: DeadLetterCopy,
): Promise<"with-reason" | "bare" | "too-large"> {
  const attributes = deadLetterAttributes(record, copy, new Date(), dlq.maxBytes);
  if (attributes === undefined && !bodyFits(record, dlq.maxBytes)) return "too-large";
  const fifo = isFifoQueue(dlq.url);
  const { client, sdk } = await sqs();
  await client.send(
    new sdk.SendMessageCommand({
      QueueUrl: dlq.url,
      MessageBody: record.body,
      MessageAttributes: attributes,
      MessageGroupId: fifo ? (record.attributes.MessageGroupId ?? "sqs-jobs-dead-letters") : undefined,
      MessageDeduplicationId: fifo ? `dlq-${record.messageId}`.slice(0, 128) : undefined,
    }),
  );
  return attributes === undefined ? "bare" : "with-reason";
}
