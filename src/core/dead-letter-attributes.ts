import { attributeBytes } from "./message-size.ts";

/**
 * Message attributes sqs-jobs sets on every message it moves to a dead-letter queue, so that a DLQ
 * listing (`sqs-jobs dlq peek`) says why each job is there. The job name travels in the producer's
 * `sqs-jobs.job` attribute ({@link DLQ_ATTRIBUTES.job}). Values are strings, except `attempts`
 * (a Number) and the two times (ISO 8601 strings).
 */
export const DLQ_ATTRIBUTES = {
  /** The job name, when the body named one (same attribute as the producer's `JOB_NAME_ATTRIBUTE`). */
  job: "sqs-jobs.job",
  /** Why the job was dead-lettered: one of {@link DeadLetterReason}. */
  reason: "sqs-jobs.reason",
  /** The error's `name` (`ValidationError`, `PermanentError`, `JobTimeoutError`, `TypeError`...). */
  errorName: "sqs-jobs.error-name",
  /**
   * The error's message, cut to {@link DLQ_ERROR_MESSAGE_MAX} characters. Characters SQS refuses
   * in attribute values (NUL, control characters, lone surrogates) are replaced by U+FFFD.
   */
  errorMessage: "sqs-jobs.error-message",
  /** Attempts made (see {@link ATTEMPTS_RUN_ATTRIBUTE} for how they are counted). */
  attempts: "sqs-jobs.attempts",
  /**
   * When the job was first received, from ApproximateFirstReceiveTimestamp: an approximation of
   * the first failure, since SQS keeps no record of earlier failures.
   */
  firstFailureAt: "sqs-jobs.first-failure-at",
  /** When the last attempt failed (the consumer's clock). */
  lastFailureAt: "sqs-jobs.last-failure-at",
  /** The queue URL the job was read from, for redrive. */
  sourceQueue: "sqs-jobs.source-queue",
} as const;

/**
 * The reason attributes, without the job name: a redrive strips them (the reasons of the last
 * death would mislead next time), and a dead-letter copy never takes them from the original.
 */
export const REASON_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set(
  Object.values(DLQ_ATTRIBUTES).filter((name) => name !== DLQ_ATTRIBUTES.job),
);

/**
 * Why sqs-jobs dead-letters a job. `poison`: the message can never succeed (not an envelope,
 * unknown job, payload fails the schema). `permanent`: the handler threw a `PermanentError`.
 * `exhausted`: the last allowed attempt failed. `id-collision`: with the job ledger, the
 * message's job id is another job's (another job name, queue or payload): it neither runs under
 * that id nor is dropped as that job's duplicate.
 */
export const DEAD_LETTER_REASONS = ["poison", "permanent", "exhausted", "id-collision"] as const;

/** One of {@link DEAD_LETTER_REASONS}. */
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Longest error message copied into {@link DLQ_ATTRIBUTES.errorMessage}. */
export const DLQ_ERROR_MESSAGE_MAX = 1_000;

/** Longest reason copied into {@link DLQ_ATTRIBUTES.reason} (every {@link DeadLetterReason} is shorter). */
export const DLQ_REASON_MAX = 32;

/**
 * Bytes a job's message leaves free below the queue's maximum size (`JobClient` counts them as
 * part of the message): room for the `sqs-jobs.reason` attribute, as SQS counts it (name, data
 * type, value), so that every job `JobClient` sends can be dead-lettered with at least its reason.
 * The other reason attributes take what room is left, the error message cut to fit.
 */
export const DEAD_LETTER_ROOM_BYTES = attributeBytes(DLQ_ATTRIBUTES.reason, {
  DataType: "String",
  StringValue: "r".repeat(DLQ_REASON_MAX),
});

/**
 * Set on the fresh copy of a record the consumer handed back unstarted on a standard queue (Lambda's
 * time cut-off, worker shutdown): the handler runs of the job before that copy. A job's attempt is
 * this number plus the copy's ApproximateReceiveCount, so deliveries that never ran cost none.
 */
export const ATTEMPTS_RUN_ATTRIBUTE = "sqs-jobs.attempts-run";

/**
 * Set on the copies `sqs-jobs dlq redrive` sends back (it drops the reason attributes; SQS's own
 * move task keeps them): with the job ledger on, a dead job whose message carries either runs
 * again, its attempts counted from 1, while a stray duplicate of a dead job's message does not.
 */
export const REDRIVEN_ATTRIBUTE = "sqs-jobs.redriven";
