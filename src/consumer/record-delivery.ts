import type { DeadLetterReason } from "../core/dead-letter-attributes.ts";
import { DLQ_ATTRIBUTES, REDRIVEN_ATTRIBUTE } from "../core/dead-letter-attributes.ts";
import type { Envelope } from "../core/envelope.ts";
import { queueNameOf } from "../core/queue-url.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import { publishedCopyId, TOPIC_ATTRIBUTE } from "../core/topic-attribute.ts";
import { TRACEPARENT_ATTRIBUTE, TRACESTATE_ATTRIBUTE, type TraceHeaders } from "../core/trace-context.ts";
import { jobClaimError } from "../ledger/errors.ts";
import { scheduledRunId } from "../schedule/run-id.ts";
import type { Batch, Settlement } from "./batch.ts";
import {
  type BeforeSettle,
  type Delivery,
  type NotStarted,
  nothingToRecord,
  type Taken,
} from "./delivery.ts";
import { describeError } from "./describe-error.ts";
import { attemptsRun, handBack } from "./hand-back.ts";
import type { HandledJob } from "./handle.ts";
import type { Begin, JobTracking, TrackedDelivery } from "./job-tracking.ts";
import type { SqsRecord } from "./lambda-types.ts";
import type { LevelLogger } from "./logger.ts";
import type { Attempt, Outcomes } from "./outcomes.ts";
import { beginRecord } from "./rate-wait.ts";
import { delayRetry } from "./visibility.ts";

/** The longest wait before a payload S3 would not give is read again. */
const UNREADABLE_MAX_DELAY_SECONDS = 300;

/** What a record's ends need of its consumer. */
export interface RecordEnds {
  readonly sqs: SqsConnect;
  readonly logger: LevelLogger;
  readonly outcomes: Outcomes;
}

/**
 * A queued record: every end is applied to its SQS message (deleted, retried after a backoff,
 * dead-lettered with its reason, or handed back) and settled with its batch.
 */
export class RecordDelivery implements Delivery<Settlement> {
  readonly body: string;
  readonly queueUrl: string;
  readonly fallbackId: string;
  readonly attempt: number;
  readonly redriven: boolean;
  readonly messageId: string;
  readonly sentAt: number;
  readonly #record: SqsRecord;
  readonly #batch: Batch;
  readonly #ends: RecordEnds;
  /** performance.now() when the record was taken up. */
  readonly #started = performance.now();

  constructor(record: SqsRecord, batch: Batch, ends: RecordEnds) {
    this.#record = record;
    this.#batch = batch;
    this.#ends = ends;
    this.body = record.body;
    this.queueUrl = batch.queueUrl;
    this.fallbackId = record.messageId;
    this.attempt = attemptsRun(record) + 1;
    this.redriven =
      record.messageAttributes?.[DLQ_ATTRIBUTES.reason] !== undefined ||
      record.messageAttributes?.[REDRIVEN_ATTRIBUTE] !== undefined;
    this.messageId = record.messageId;
    this.sentAt = Number(record.attributes.SentTimestamp ?? Date.now());
  }

  subject(): string {
    return `message ${this.#record.messageId}`;
  }

  /**
   * The envelope's id; for a run of a periodic schedule the run's ({@link scheduledRunId}); for a
   * queue's copy of a published job the copy's ({@link publishedCopyId}).
   */
  jobIdOf({ schedule, enqueuedAt, id }: Envelope): string {
    if (schedule !== undefined && enqueuedAt !== undefined) {
      return scheduledRunId(queueNameOf(this.queueUrl), schedule.name, enqueuedAt);
    }
    if (id !== undefined && this.#record.messageAttributes?.[TOPIC_ATTRIBUTE] !== undefined) {
      return publishedCopyId(queueNameOf(this.queueUrl), id);
    }
    return id ?? this.#record.messageId;
  }

  traceHeaders(): TraceHeaders {
    const attributes = this.#record.messageAttributes;
    return {
      traceparent: attributes?.[TRACEPARENT_ATTRIBUTE]?.stringValue,
      tracestate: attributes?.[TRACESTATE_ATTRIBUTE]?.stringValue,
      awsTraceHeader: this.#record.attributes.AWSTraceHeader,
    };
  }

  maxAttempts(job: HandledJob): number {
    return job.retry.maxAttempts;
  }

  canStart(timeoutMs: number): boolean {
    return this.#batch.stopping?.() !== true && this.#batch.canStart?.(timeoutMs) !== false;
  }

  /** The ledger's answer, after waits in place for a rate-limit token (counted `throttled`). */
  async begin(tracking: JobTracking, job: HandledJob, delivery: TrackedDelivery): Promise<Begin> {
    const { begun, throttled } = await beginRecord(tracking, job, delivery, (ms) => this.canStart(ms));
    if (throttled) this.#batch.metrics?.throttled(job.name);
    return begun;
  }

  refuse(
    taken: Taken,
    reason: "poison" | "id-collision",
    error: unknown,
    beforeSettle: BeforeSettle,
  ): Promise<Settlement> {
    return this.#ends.outcomes.deadLetter(this.#attempt(taken), reason, error, beforeSettle);
  }

  async notStarted(taken: Taken, job: HandledJob, why: NotStarted): Promise<Settlement> {
    const a = this.#attempt(taken);
    const { outcomes, logger, sqs } = this.#ends;
    switch (why.kind) {
      // A record always knows its queue: not started either way, it is handed back.
      case "no-time":
      case "no-queue":
        return handBack(sqs, logger, a, 0);
      case "claim-failed": {
        // A failed attempt like a handler's (the ledger down, a write refused, anything thrown):
        // it is retried after the job's backoff and dead-lettered at the last attempt, never
        // waits forever. Counted from the receives, as the ledger could not count it.
        const error = jobClaimError(job.name, describeError(why.error), why.error);
        if (a.attempt >= job.retry.maxAttempts)
          return outcomes.deadLetter(a, "exhausted", error, nothingToRecord);
        return outcomes.retry(a, job.retry, error);
      }
      case "finished":
        // Dead, but never copied to the DLQ (too large): the message waits for the redrive policy.
        if (why.status === "dead" && !(await outcomes.canDeadLetter(a))) return this.#release();
        logger.info(
          why.status === "skipped"
            ? "sqs-jobs: the schedule's previous run still works; this run is skipped (overlap: skip)"
            : why.status === "superseded"
              ? "sqs-jobs: a later job of its debounce key replaced this job; it ends superseded"
              : `sqs-jobs: job already ${why.status}; this delivery is dropped`,
          { jobName: job.name, jobId: a.jobId, messageId: a.record.messageId },
        );
        this.#batch.settle(this.#record, "delete");
        return "delete";
      case "wait": {
        // Throttled is a job outcome users watch for; the other waits are the ledger's business.
        const level = why.throttledMs === undefined ? "debug" : "info";
        logger[level](`sqs-jobs: ${why.why}; the job waits ${why.delaySeconds} s on the queue`, {
          jobName: job.name,
          jobId: a.jobId,
          ...(why.throttledMs === undefined ? {} : { outcome: "throttled" }),
        });
        return handBack(sqs, logger, a, why.delaySeconds);
      }
    }
  }

  /**
   * Without a ledger, receives may not have run (a lost receive, a Lambda invocation that timed
   * out), so the job runs again, unless it is too large to ever reach the DLQ with its reason: it
   * already failed its attempts (or never ran them); SQS's redrive policy takes it.
   */
  async pastLastAttempt(taken: Taken): Promise<Settlement | undefined> {
    if (this.#batch.fifo || (await this.#ends.outcomes.canDeadLetter(this.#attempt(taken)))) return undefined;
    return this.#release();
  }

  /** Back after 2^attempt seconds (at most 5 minutes); each receive counts toward maxReceiveCount. */
  async unreadable(taken: Taken, error: unknown): Promise<Settlement> {
    const { sqs, logger } = this.#ends;
    const seconds = Math.min(2 ** Math.min(taken.attempt, 9), UNREADABLE_MAX_DELAY_SECONDS);
    logger.warn(`sqs-jobs could not read a job's payload from S3; it is tried again in ${seconds} s`, {
      messageId: this.messageId,
      error: describeError(error).message,
    });
    try {
      await delayRetry(sqs, this.queueUrl, this.#record.receiptHandle, seconds);
    } catch {
      // Kept all the same: it returns when its visibility timeout ends, never at once.
    }
    this.#batch.settle(this.#record, "keep");
    return "keep";
  }

  async abandoned(): Promise<Settlement> {
    return this.#release();
  }

  succeeded(taken: Taken): Promise<Settlement> {
    return this.#ends.outcomes.succeeded(this.#attempt(taken));
  }

  cancelled(taken: Taken): Promise<Settlement> {
    return this.#ends.outcomes.cancelled(this.#attempt(taken));
  }

  async failed(
    taken: Taken,
    job: HandledJob,
    error: unknown,
    reason: DeadLetterReason | undefined,
    beforeSettle: BeforeSettle,
  ): Promise<Settlement> {
    const a = this.#attempt(taken);
    if (reason !== undefined) return this.#ends.outcomes.deadLetter(a, reason, error, beforeSettle);
    await beforeSettle(undefined);
    return this.#ends.outcomes.retry(a, job.retry, error);
  }

  #release(): Settlement {
    this.#batch.settle(this.#record, "release");
    return "release";
  }

  #attempt({ jobName, jobId, attempt }: Taken): Attempt {
    return { record: this.#record, batch: this.#batch, jobName, jobId, attempt, started: this.#started };
  }
}
