import { DEAD_LETTER_ROOM_BYTES } from "./dead-letter-attributes.ts";

/**
 * Every error sqs-jobs throws extends {@link SqsJobsError} and carries a stable `code` that
 * programs can switch on. Messages name the field, the shape of the bad value and the fix; they
 * never contain payload contents.
 */
export type SqsJobsErrorCode =
  | "ERR_VALIDATION"
  | "ERR_PAYLOAD_TOO_LARGE"
  | "ERR_CONFIG"
  | "ERR_INVALID_OPTION"
  | "ERR_SEND"
  | "ERR_QUEUE_NOT_FOUND"
  | "ERR_ENVELOPE"
  | "ERR_PERMANENT"
  | "ERR_JOB_TIMEOUT"
  | "ERR_UNKNOWN_JOB"
  | "ERR_NO_DLQ"
  | "ERR_ENDPOINT_UNREACHABLE"
  | "ERR_CREDENTIALS"
  | "ERR_OPERATION"
  | "ERR_JOB_KEY"
  | "ERR_JOB_ID_REUSED"
  | "ERR_JOB_CLAIM"
  | "ERR_JOB_DEAD"
  | "ERR_JOB_CANCELLED"
  | "ERR_PROGRESS"
  | "ERR_WAIT_TIMEOUT"
  | "ERR_CALL"
  | "ERR_CALL_NOT_STARTED"
  | "ERR_DASHBOARD_REQUEST"
  | "ERR_UNKNOWN_QUEUE"
  | "ERR_JOB_NOT_ON_QUEUE"
  | "ERR_DRAIN_TIMEOUT"
  | "ERR_ATTEMPTS_EXHAUSTED"
  | "ERR_INIT_DIR_NOT_EMPTY"
  | "ERR_JOB_NOT_IN_LEDGER"
  | "ERR_MISSING_PEER"
  | "ERR_JOB_SUPERSEDED"
  | "ERR_CALLBACK_RESULT_TOO_LARGE"
  | "ERR_PAYLOAD_MISSING"
  | "ERR_TOPIC_NOT_FOUND";

export class SqsJobsError extends Error {
  // Every subclass sets its name explicitly: minifiers (esbuild in Lambda bundles) rename
  // classes, and logs and dead-letter reasons show this name.
  override readonly name: string = "SqsJobsError";
  readonly code: SqsJobsErrorCode;

  constructor(code: SqsJobsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * One problem with a payload. By default it names where (`path`) and what kind of check failed
 * (`kind`), never the value: schema libraries quote the rejected value in their messages, and
 * issues travel into errors, logs and dead-letter attributes.
 */
export interface ValidationIssue {
  /** The path to the offending field; keys of record-like payloads are the payload's own keys. */
  readonly path: readonly PropertyKey[];
  /**
   * The library's label for the failed check (zod's `code` such as `invalid_type`, valibot's
   * `type` such as `email`), `schema_threw` when the schema threw instead of reporting an issue,
   * or `invalid` when the library gives no label.
   */
  readonly kind: string;
  /**
   * By default the `kind` again, with the expected type when the library names one
   * (`invalid_type (expected number)`), or `schema threw SyntaxError` (the thrown error's class,
   * never its message). The library's own message only for a job defined with `includeIssueMessages`.
   */
  readonly message: string;
}

/**
 * A payload did not match its job's schema. `issues` lists every problem with its path
 * (for `sendBatch`, the path starts with the item's index). Nothing was sent. The message lists
 * the first five issues as `path: message`, so it carries payload values only when the job opted
 * in with `includeIssueMessages`.
 */
export class ValidationError extends SqsJobsError {
  override readonly name: string = "ValidationError";
  readonly jobName: string;
  readonly issues: readonly ValidationIssue[];

  constructor(jobName: string, issues: readonly ValidationIssue[], options?: { subject?: string }) {
    const shown = issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
    const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : "";
    super(
      "ERR_VALIDATION",
      `${options?.subject ?? `payload for job "${jobName}" is`} invalid: ${shown.join("; ")}${more}`,
    );
    this.jobName = jobName;
    this.issues = issues;
  }
}

/**
 * The encoded message (body plus message attributes), with the room kept for a dead-letter reason,
 * exceeds the queue's maximum message size.
 */
export class PayloadTooLargeError extends SqsJobsError {
  override readonly name: string = "PayloadTooLargeError";
  readonly sizeBytes: number;
  readonly limitBytes: number;

  /** `to`: a publish measures against SNS's limit, with no room kept for a dead-letter reason. */
  constructor(jobName: string, sizeBytes: number, limitBytes: number, to: "queue" | "topic" = "queue") {
    const counted = to === "queue" ? ` + ${DEAD_LETTER_ROOM_BYTES} kept for a dead-letter reason` : "";
    super(
      "ERR_PAYLOAD_TOO_LARGE",
      `message for job "${jobName}" is ${sizeBytes} bytes (body + attributes${counted}) but the ${to} accepts at most ${limitBytes} bytes; ${to === "queue" ? "give the client a payload bucket (JobClient({ payloads: { bucket } }), or JobQueue({ payloads: {} }), which sets it) to send it through S3 (docs/payloads.md)" : "give the client a payload bucket (JobClient({ payloads: { bucket } })) that the subscribed queues' consumers can read, to publish it through S3 (docs/payloads.md)"}`,
    );
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }
}

/** Missing or invalid configuration: options, job definitions or environment variables. */
export class ConfigError extends SqsJobsError {
  override readonly name: string = "ConfigError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_CONFIG", message, options);
  }
}

/** A call's options are invalid (a delay out of range, a FIFO send without a group id...). */
export class InvalidOptionError extends SqsJobsError {
  override readonly name: string = "InvalidOptionError";
  constructor(message: string) {
    super("ERR_INVALID_OPTION", message);
  }
}

/** SQS refused or failed a send; `cause` holds the AWS error. */
export class SendError extends SqsJobsError {
  override readonly name: string = "SendError";
  /**
   * True when an attempt ended without an answer (a 5xx, a reset, a timeout): SQS may hold the
   * job although the call failed, so sending it again may store it twice.
   */
  readonly maybeSent: boolean;

  constructor(message: string, options?: { cause?: unknown; maybeSent?: boolean }) {
    super("ERR_SEND", message, options);
    this.maybeSent = options?.maybeSent ?? false;
  }
}

/** The queue URL points at a queue that does not exist (or that these credentials cannot see). */
export class QueueNotFoundError extends SqsJobsError {
  override readonly name: string = "QueueNotFoundError";
  readonly queueUrl: string;

  constructor(queueUrl: string, options?: { cause?: unknown }) {
    super(
      "ERR_QUEUE_NOT_FOUND",
      `queue ${queueUrl} does not exist in this account and region (or the endpoint is wrong); check the queue URL and AWS_REGION / AWS_ENDPOINT_URL`,
      options,
    );
    this.queueUrl = queueUrl;
  }
}

/** The topic ARN names a topic that does not exist (or that these credentials cannot see). */
export class TopicNotFoundError extends SqsJobsError {
  override readonly name: string = "TopicNotFoundError";
  readonly topicArn: string;

  constructor(topicArn: string, options?: { cause?: unknown }) {
    super(
      "ERR_TOPIC_NOT_FOUND",
      `topic ${topicArn} does not exist in this account and region (or the endpoint is wrong); check the topic ARN and AWS_REGION / AWS_ENDPOINT_URL`,
      options,
    );
    this.topicArn = topicArn;
  }
}

/** A message body is not a valid sqs-jobs envelope. Such a message is poison. */
export class EnvelopeError extends SqsJobsError {
  override readonly name: string = "EnvelopeError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_ENVELOPE", message, options);
  }
}

/**
 * A message points at an S3 object (docs/payloads.md) that is not there: deleted, expired by the
 * bucket's lifecycle rule, or never written. Poison: no retry can bring it back.
 */
export class PayloadMissingError extends SqsJobsError {
  override readonly name: string = "PayloadMissingError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_PAYLOAD_MISSING", message, options);
  }
}

/**
 * Throw from a handler to skip the remaining attempts: the job is dead-lettered at once with this
 * error as its reason. The message is yours: it is copied (truncated) into logs and the
 * dead-letter attributes, so name what went wrong, not the payload's values.
 *
 * @example
 * if (!user) throw new PermanentError("the user was deleted before the job ran");
 */
export class PermanentError extends SqsJobsError {
  override readonly name: string = "PermanentError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_PERMANENT", message, options);
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}
