import { createHash } from "node:crypto";
import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import { encodeEnvelopeJson } from "../core/envelope.ts";
import { InvalidOptionError, type ValidationIssue } from "../core/errors.ts";
import type { JobDefinition, JobInput } from "../core/job.ts";
import { newJobId } from "../core/job-id.ts";
import { JOB_NAME_ATTRIBUTE } from "../core/job-name-attribute.ts";
import { toJsonValue } from "../core/json-value.ts";
import { type ValidationResult, validate } from "../core/schema.ts";
import { SQS_MAX_DELAY_SECONDS } from "../core/sqs-limits.ts";

export interface SendOptions {
  /**
   * Seconds before the job becomes visible to consumers, 0 to 900 (standard queues only).
   * @default the queue's DelaySeconds
   */
  readonly delaySeconds?: number;
  /** FIFO message group; overrides the job's `fifo.groupId`. */
  readonly groupId?: string;
  /** FIFO deduplication id; overrides the job's `fifo.dedupId`. */
  readonly dedupId?: string;
}

export interface PreparedMessage {
  readonly jobId: string;
  /** The payload after the schema (defaults, transforms), for unique keys. */
  readonly value: unknown;
  /** The payload's JSON as the envelope carries it, for the ledger's payload hash. */
  readonly payloadJson: string;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  readonly sizeBytes: number;
  readonly delaySeconds: number | undefined;
  readonly groupId: string | undefined;
  readonly dedupId: string | undefined;
}

export type PrepareResult =
  | { readonly ok: true; readonly message: PreparedMessage }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** FIFO group and deduplication ids: at most 128 characters of printable ASCII. */
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;

/** Checks the call options once for a whole send or batch; payload-independent. */
export function checkSendOptions(options: SendOptions, fifo: boolean): void {
  const delay = options.delaySeconds;
  if (delay !== undefined) {
    if (fifo) {
      throw new InvalidOptionError(
        "delaySeconds cannot be set per message on a FIFO queue; set the queue's DelaySeconds instead",
      );
    }
    if (!Number.isInteger(delay) || delay < 0 || delay > SQS_MAX_DELAY_SECONDS) {
      throw new InvalidOptionError(
        `delaySeconds must be an integer between 0 and ${SQS_MAX_DELAY_SECONDS} (SQS's limit), but ${delay} was provided; for a later run, schedule the job (e.g. EventBridge Scheduler) instead of delaying the message`,
      );
    }
  }
  for (const field of ["groupId", "dedupId"] as const) {
    const value = options[field];
    if (value !== undefined && !FIFO_ID.test(value)) {
      throw new InvalidOptionError(
        `${field} must be 1-128 printable ASCII characters without spaces, but a ${value.length}-character value was provided`,
      );
    }
  }
}

/**
 * Serialises and validates one payload the way the consumer will see it: the schema runs on the
 * JSON round trip of the payload, so values JSON cannot carry (a Date where the schema wants a
 * date, `undefined` in an array) are refused here instead of becoming poison messages at the
 * consumer. Values JSON changes silently (NaN, -0, a Map or Set...) are refused even when the
 * schema would accept what they turn into: see {@link toJsonValue}.
 */
export function prepareMessage<J extends JobDefinition>(
  job: J,
  payload: JobInput<J>,
  options: SendOptions,
  fifo: boolean,
): PrepareResult | Promise<PrepareResult> {
  const converted = toJsonValue(payload, "payload");
  if (!converted.ok) return converted;
  const { json, wire } = converted;
  const checked = validate(job.schema, wire, job);
  // Most schemas validate synchronously: a batch of 20,000 then costs no promise per item.
  return checked instanceof Promise
    ? checked.then((c) => finishMessage(c, job, payload, json, options, fifo))
    : finishMessage(checked, job, payload, json, options, fifo);
}

/** Attributes depend only on the job, so one object per job serves every message. */
const attributesByJob = new WeakMap<JobDefinition, Record<string, MessageAttributeValue>>();

function jobAttributes(job: JobDefinition): Record<string, MessageAttributeValue> {
  let attributes = attributesByJob.get(job);
  if (attributes === undefined) {
    attributes = { [JOB_NAME_ATTRIBUTE]: { DataType: "String", StringValue: job.name } };
    attributesByJob.set(job, attributes);
  }
  return attributes;
}

function finishMessage<J extends JobDefinition>(
  checked: ValidationResult<unknown>,
  job: J,
  payload: JobInput<J>,
  payloadJson: string,
  options: SendOptions,
  fifo: boolean,
): PrepareResult {
  if (!checked.ok) return { ok: false, issues: checked.issues };

  let groupId = options.groupId;
  let dedupId = options.dedupId;
  if (fifo) {
    const fromJob = job.fifo?.groupId;
    groupId ??= typeof fromJob === "function" ? fromJob(payload) : fromJob;
    if (groupId === undefined) {
      throw new InvalidOptionError(
        `job "${job.name}" is sent to a FIFO queue without a message group: pass { groupId } or define fifo.groupId on the job`,
      );
    }
    // The envelope holds a fresh job id, so SQS content-based deduplication of the body would never
    // match; deduplicate on the job name and payload instead.
    dedupId ??= job.fifo?.dedupId?.(payload) ?? payloadHash(job.name, payloadJson);
    checkSendOptions({ groupId, dedupId }, true);
  }

  const jobId = newJobId();
  const body = escapeNonCharacters(
    encodeEnvelopeJson(job.name, jobId, new Date().toISOString(), payloadJson),
  );
  const attributes = jobAttributes(job);
  const sizeBytes =
    Buffer.byteLength(body, "utf8") +
    JOB_NAME_ATTRIBUTE.length +
    "String".length +
    Buffer.byteLength(job.name);
  return {
    ok: true,
    message: {
      jobId,
      value: checked.value,
      payloadJson,
      body,
      attributes,
      sizeBytes,
      delaySeconds: options.delaySeconds,
      groupId,
      dedupId,
    },
  };
}

function payloadHash(jobName: string, payloadJson: string): string {
  return createHash("sha256").update(jobName).update("\n").update(payloadJson).digest("hex");
}

/**
 * SQS refuses U+FFFE and U+FFFF in a body; JSON.stringify leaves them raw. Escaping them keeps the
 * JSON identical in meaning and lets SQS accept it.
 */
function escapeNonCharacters(json: string): string {
  return /[\uFFFE\uFFFF]/.test(json)
    ? json.replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
    : json;
}
