import type { Message } from "@aws-sdk/client-sqs";
import { DLQ_ATTRIBUTES } from "../core/dead-letter-attributes.ts";
import { decodeEnvelope } from "../core/envelope.ts";
import { type PayloadPointer, parsePointer } from "../core/payload-pointer.ts";

/** A dead-lettered message as `dlq peek` and `dlq export` show it. */
export interface DeadLetterRecord {
  readonly messageId: string;
  /**
   * The job name: the `sqs-jobs.job` attribute, else the `job` of a body that is a valid envelope
   * (SNS-wrapped or not). Another body's `job` field is someone's data, not a job name: a DLQ
   * filter on it would answer a guess at it without the dashboard's token.
   */
  readonly jobName: string | undefined;
  /** The envelope's `id`, when the body is an envelope that has one. */
  readonly jobId: string | undefined;
  /** `poison`, `permanent`, `exhausted`, `id-collision` when sqs-jobs dead-lettered it; `undefined` when SQS's RedrivePolicy did. */
  readonly reason: string | undefined;
  readonly errorName: string | undefined;
  readonly errorMessage: string | undefined;
  /**
   * Attempts the consumer made. `undefined` when SQS's RedrivePolicy moved the message: its
   * receive count then also counts every peek since, so it would mislead.
   */
  readonly attempts: number | undefined;
  readonly firstFailureAt: string | undefined;
  readonly lastFailureAt: string | undefined;
  readonly sourceQueue: string | undefined;
  readonly body: string;
  /**
   * Where the job's envelope is when the body is an S3 pointer (docs/payloads.md); `dlq peek
   * --payloads` reads it.
   */
  readonly payloadPointer?: PayloadPointer | undefined;
  /**
   * SQS's system attributes as they were before the receive that read this record: every receive
   * counts in `ApproximateReceiveCount`, this read's too, and SQS cannot un-count one, so the read's
   * own is taken off (and `ApproximateFirstReceiveTimestamp` left out when this read was the
   * first). Earlier reads (peeks, exports, dashboard views, redrives that left it) stay counted:
   * see docs/cli.md. The job's attempts are `attempts`, never this count.
   */
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<Record<string, { dataType: string; value: string }>>;
}

function stringAttribute(message: Message, name: string): string | undefined {
  const value = message.MessageAttributes?.[name];
  return value?.StringValue ?? undefined;
}

/**
 * The id and payload of a body that looks like an envelope; none of them otherwise. Lenient: a
 * redrive tells a copy that came back by its id, and `dlq peek` shows what it can.
 */
export function envelopeFields(body: string): { id?: string; payload?: unknown } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== "object" || parsed === null) return {};
    const record = parsed as Record<string, unknown>;
    return { id: typeof record.id === "string" ? record.id : undefined, payload: record.payload };
  } catch {
    return {};
  }
}

/** The pointer a body holds; none for any other body, a malformed pointer included. */
function pointerOf(body: string): PayloadPointer | undefined {
  try {
    return parsePointer(body);
  } catch {
    return undefined;
  }
}

/** The job name of a body the consumer's strict parser reads as an envelope; undefined otherwise. */
function jobOfEnvelope(body: string): string | undefined {
  try {
    return decodeEnvelope(body).job;
  } catch {
    return undefined;
  }
}

/** Reads the reason attributes the consumer writes ({@link DLQ_ATTRIBUTES}) off a received message. */
export function toDeadLetterRecord(message: Message): DeadLetterRecord {
  const body = message.Body ?? "";
  const envelope = envelopeFields(body);
  const attempts = Number(stringAttribute(message, DLQ_ATTRIBUTES.attempts));
  const messageAttributes: Record<string, { dataType: string; value: string }> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? "String",
      value:
        value.StringValue ?? (value.BinaryValue ? Buffer.from(value.BinaryValue).toString("base64") : ""),
    };
  }
  return {
    messageId: message.MessageId ?? "",
    jobName: stringAttribute(message, DLQ_ATTRIBUTES.job) ?? jobOfEnvelope(body),
    jobId: envelope.id,
    reason: stringAttribute(message, DLQ_ATTRIBUTES.reason),
    errorName: stringAttribute(message, DLQ_ATTRIBUTES.errorName),
    errorMessage: stringAttribute(message, DLQ_ATTRIBUTES.errorMessage),
    attempts: Number.isFinite(attempts) && attempts > 0 ? attempts : undefined,
    firstFailureAt: stringAttribute(message, DLQ_ATTRIBUTES.firstFailureAt),
    lastFailureAt: stringAttribute(message, DLQ_ATTRIBUTES.lastFailureAt),
    sourceQueue: stringAttribute(message, DLQ_ATTRIBUTES.sourceQueue),
    body,
    payloadPointer: pointerOf(body),
    attributes: beforeThisRead(message.Attributes ?? {}),
    messageAttributes,
  };
}

/** A received message's system attributes without the receive that read it. */
function beforeThisRead(attributes: Readonly<Record<string, string>>): Record<string, string> {
  const receives = Number(attributes.ApproximateReceiveCount);
  if (!Number.isInteger(receives) || receives < 1) return { ...attributes };
  if (receives > 1) return { ...attributes, ApproximateReceiveCount: String(receives - 1) };
  // This read was the first receive: the timestamp is the read's, not anything that happened to the job.
  const { ApproximateFirstReceiveTimestamp: _read, ...rest } = attributes;
  return { ...rest, ApproximateReceiveCount: "0" };
}
