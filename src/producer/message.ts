import { createHash } from "node:crypto";
import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import { callbackIdProblem } from "../core/callback-id.ts";
import { DEAD_LETTER_ROOM_BYTES } from "../core/dead-letter-attributes.ts";
import type { EnvelopeFlow } from "../core/envelope.ts";
import { type EnvelopeText, envelopeString, envelopeText } from "../core/envelope-text.ts";
import { InvalidOptionError, type ValidationIssue } from "../core/errors.ts";
import type { JobDefinition, JobInput } from "../core/job.ts";
import { newJobId } from "../core/job-id.ts";
import { JOB_NAME_ATTRIBUTE } from "../core/job-name-attribute.ts";
import { toJsonValue } from "../core/json-value.ts";
import { attributesBytes } from "../core/message-size.ts";
import { type ValidationResult, validate } from "../core/schema.ts";
import { SQS_MAX_DELAY_SECONDS } from "../core/sqs-limits.ts";
import type { MessageTrace } from "./send-trace.ts";

export interface SendOptions {
  /**
   * Seconds before the job becomes visible to consumers, up to 31,536,000 (a year). Up to 900 it
   * is SQS's own per-message delay (standard queues only); above, the job waits in a one-time
   * EventBridge Scheduler schedule that puts it on the queue then (to the minute, FIFO queues too).
   * @default the queue's DelaySeconds
   */
  readonly delaySeconds?: number;
  /**
   * When the job should run, at most a year ahead: within 900 seconds SQS delays it (standard
   * queues), later (or on a FIFO queue) a one-time EventBridge Scheduler schedule sends it then,
   * to the minute. Not with `delaySeconds`.
   */
  readonly at?: Date;
  /** FIFO message group; overrides the job's `fifo.groupId` (on a standard queue, its `tenant`). */
  readonly groupId?: string;
  /** FIFO deduplication id; overrides the job's `fifo.dedupId`. */
  readonly dedupId?: string;
  /**
   * A Lambda durable function's callback id (from `waitForCallback`): the consumer completes the
   * callback with the job's result, or its failure, once the job ends (docs/durable.md). One job
   * per callback, so `send` only. `waitForJob` sets it for you.
   */
  readonly callbackId?: string;
}

/** The farthest ahead a job may be sent: a year, so a typo in a date is caught, not kept. */
export const MAX_SCHEDULE_AHEAD_SECONDS = 365 * 86_400;

/** How a send reaches the queue: at once (maybe with SQS's delay) or through a schedule. */
export type Delivery =
  | { readonly kind: "now"; readonly delaySeconds: number | undefined }
  | { readonly kind: "schedule"; readonly at: Date };

export interface PreparedMessage {
  readonly jobId: string;
  /** The payload after the schema (defaults, transforms), for unique keys. */
  readonly value: unknown;
  /** The payload's JSON as the envelope carries it, for the ledger's payload hash. */
  readonly payloadJson: string;
  readonly body: string;
  /**
   * The body in the parts it was joined from, while it is the envelope (not a pointer): the
   * offload step encodes a large one from them ({@link EnvelopeText}).
   */
  readonly envelope?: EnvelopeText;
  readonly attributes: Record<string, MessageAttributeValue>;
  /**
   * Body and attributes as SQS counts them, plus the room kept for a dead-letter reason
   * ({@link DEAD_LETTER_ROOM_BYTES}): what must fit the queue's maximum message size.
   */
  readonly sizeBytes: number;
  readonly delaySeconds: number | undefined;
  readonly groupId: string | undefined;
  readonly dedupId: string | undefined;
  /** A job of a flow: its place in it (its id is then derived, see {@link JobIdentity}). */
  readonly flow?: EnvelopeFlow;
}

/** A job of a flow: its derived id (docs/flows.md, "Child ids") and its place in the flow. */
export interface JobIdentity {
  readonly jobId: string;
  readonly flow: EnvelopeFlow;
}

export type PrepareResult =
  | { readonly ok: true; readonly message: PreparedMessage }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** FIFO group and deduplication ids: at most 128 characters of printable ASCII. */
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Checks the call options once for a whole send or batch (payload-independent), and says how the
 * job travels: SQS's delay up to 900 seconds, a one-time schedule beyond (or for any `at` on a
 * FIFO queue, which has no per-message delay).
 */
export function checkSendOptions(options: SendOptions, fifo: boolean, now: number = Date.now()): Delivery {
  for (const field of ["groupId", "dedupId"] as const) {
    const value = options[field];
    if (value !== undefined && !FIFO_ID.test(value)) {
      throw new InvalidOptionError(
        `${field} must be 1-128 printable ASCII characters without spaces, but a ${value.length}-character value was provided`,
      );
    }
  }
  const callback =
    options.callbackId === undefined ? undefined : callbackIdProblem(options.callbackId, "callbackId");
  if (callback !== undefined) throw new InvalidOptionError(callback);
  const { delaySeconds: delay, at } = options;
  if (delay !== undefined && at !== undefined) {
    throw new InvalidOptionError("pass either delaySeconds or at, not both");
  }
  if (at !== undefined) {
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
      throw new InvalidOptionError(
        "at must be a valid Date, but an invalid date or another type was provided",
      );
    }
    const ahead = (at.getTime() - now) / 1000;
    if (ahead <= 0 || ahead > MAX_SCHEDULE_AHEAD_SECONDS) {
      throw new InvalidOptionError(
        `at must be in the future and at most ${MAX_SCHEDULE_AHEAD_SECONDS / 86_400} days ahead, but ${at.toISOString()} is ${ahead <= 0 ? `${Math.ceil(-ahead)} s in the past` : `${Math.floor(ahead / 86_400)} days ahead`}`,
      );
    }
    if (fifo || ahead > SQS_MAX_DELAY_SECONDS) return { kind: "schedule", at };
    return { kind: "now", delaySeconds: Math.ceil(ahead) };
  }
  if (delay === undefined) return { kind: "now", delaySeconds: undefined };
  if (!Number.isInteger(delay) || delay < 0 || delay > MAX_SCHEDULE_AHEAD_SECONDS) {
    throw new InvalidOptionError(
      `delaySeconds must be an integer between 0 and ${MAX_SCHEDULE_AHEAD_SECONDS} (a year; above ${SQS_MAX_DELAY_SECONDS}, SQS's limit, the job waits in an EventBridge Scheduler schedule), but ${delay} was provided`,
    );
  }
  if (delay > SQS_MAX_DELAY_SECONDS) return { kind: "schedule", at: new Date(now + delay * 1000) };
  if (fifo) {
    throw new InvalidOptionError(
      "delaySeconds up to 900 cannot be set per message on a FIFO queue; set the queue's DelaySeconds instead, or pass at (a schedule) for a later run",
    );
  }
  return { kind: "now", delaySeconds: delay };
}

/**
 * Serialises and validates one payload the way the consumer will see it: the schema runs on the
 * JSON round trip of the payload, so values JSON cannot carry (a Date where the schema wants a
 * date, `undefined` in an array) are refused here instead of becoming poison messages at the
 * consumer. Values JSON changes silently (NaN, -0, a Map or Set...) are refused even when the
 * schema would accept what they turn into: see {@link toJsonValue}. `trace`: the producer's
 * trace context the message carries, when tracing is on.
 */
export async function prepareMessage<J extends JobDefinition>(
  job: J,
  payload: JobInput<J>,
  options: SendOptions,
  fifo: boolean,
  trace?: MessageTrace,
  identity?: JobIdentity,
): Promise<PrepareResult> {
  const converted = toJsonValue(payload, "payload");
  if (!converted.ok) return converted;
  const { json, wire } = converted;
  const checked = await validate(job.schema, wire, job);
  return finishMessage(checked, job, payload, json, { options, fifo, trace, identity });
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
  {
    options,
    fifo,
    trace,
    identity,
  }: {
    options: SendOptions;
    fifo: boolean;
    trace: MessageTrace | undefined;
    identity: JobIdentity | undefined;
  },
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
    // A child's resend (its parent ran again) carries its derived id: SQS drops the copy.
    dedupId ??= job.fifo?.dedupId?.(payload) ?? identity?.jobId ?? payloadHash(job.name, payloadJson);
    checkSendOptions({ groupId, dedupId }, true);
  } else if (job.tenant !== undefined && groupId === undefined) {
    // On a standard queue the group id marks the tenant for SQS fair queues: no order, no FIFO limits.
    groupId = job.tenant(payload);
    if (typeof groupId !== "string" || !FIFO_ID.test(groupId)) {
      throw new InvalidOptionError(
        `tenant of job "${job.name}" must return 1-128 printable ASCII characters without spaces (a message group id), but it returned ${typeof groupId === "string" ? `a ${groupId.length}-character string` : typeof groupId}`,
      );
    }
  }

  const jobId = identity?.jobId ?? newJobId();
  const now = enqueuedAtNow();
  const envelope = envelopeText(job.name, jobId, now, payloadJson, {
    trace: trace?.envelope,
    callbackId: options.callbackId,
    flow: identity?.flow,
  });
  const body = envelopeString(envelope);
  const attributes =
    trace?.attributes === undefined ? jobAttributes(job) : { ...jobAttributes(job), ...trace.attributes };
  // A job is sent only if its dead-letter copy can carry at least its reason beside it.
  const sizeBytes = envelope.bytes + attributesBytes(attributes) + DEAD_LETTER_ROOM_BYTES;
  return {
    ok: true,
    message: {
      jobId,
      value: checked.value,
      payloadJson,
      body,
      envelope,
      attributes,
      sizeBytes,
      delaySeconds: options.delaySeconds,
      groupId,
      dedupId,
      ...(identity === undefined ? {} : { flow: identity.flow }),
    },
  };
}

let isoMs = Number.NaN;
let isoText = "";

/**
 * The envelope's `enqueuedAt`: now, as an ISO 8601 date. A batch prepares many jobs within one
 * millisecond, so the text is formatted once per millisecond (formatting cost more than the rest
 * of a job's envelope); the value is exactly `new Date().toISOString()`.
 */
function enqueuedAtNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

function payloadHash(jobName: string, payloadJson: string): string {
  return createHash("sha256").update(jobName).update("\n").update(payloadJson).digest("hex");
}
