import type { SQSClient } from "@aws-sdk/client-sqs";
import { describeAwsError } from "../core/aws-errors.ts";
import type { DeadLetterReason } from "../core/dead-letter-attributes.ts";
import { decodeEnvelope, type Envelope } from "../core/envelope.ts";
import { ConfigError, ValidationError } from "../core/errors.ts";
import { backoffSeconds } from "../core/retry.ts";
import { validate } from "../core/schema.ts";
import { sendToDeadLetter } from "./dead-letter.ts";
import type { JobHandler } from "./handle.ts";
import { type ConsumerHooks, callHook, errorFields, type JobOutcome } from "./hooks.ts";
import { JobTimeoutError } from "./job-timeout-error.ts";
import type { SqsRecord } from "./lambda-types.ts";
import type { LevelLogger } from "./logger.ts";
import type { BatchMetrics } from "./metrics.ts";
import { ABANDONED, type Completion, RunningJob, SUCCEEDED } from "./running-job.ts";
import { UnknownJobError } from "./unknown-job-error.ts";
import { delayRetry } from "./visibility.ts";

/**
 * What the driver does with a record once the core has decided.
 * `delete`: handled, or safely in the DLQ (Lambda: left out of batchItemFailures; worker: deleted).
 * `keep`: failed; its visibility already says when it returns (Lambda: reported; worker: left).
 * `release`: never started (time, FIFO group stop, shutdown): handed back with visibility 0.
 */
export type Settlement = "delete" | "keep" | "release";

/** One batch as a driver hands it to the core. */
export interface BatchRun {
  readonly queueUrl: string;
  readonly fifo: boolean;
  /** Records in flight at once (standard queues) or groups in flight at once (FIFO). */
  readonly concurrency: number;
  /** The DLQ, resolved when the first record needs it. */
  readonly dlqUrl: () => Promise<string | undefined>;
  /** Lambda: false when the remaining time cannot fit a job of `timeoutMs`. */
  readonly canStart?: (timeoutMs: number) => boolean;
  /** Worker: true once shutdown began; unstarted records are released. */
  readonly stopping?: () => boolean;
  readonly settle: (record: SqsRecord, settlement: Settlement) => void;
  readonly metrics?: BatchMetrics;
}

export interface BatchCoreOptions {
  readonly sqs: SQSClient;
  readonly logger: LevelLogger;
  readonly hooks: ConsumerHooks;
}

/** How often running jobs are checked against their deadline; timeouts fire up to this late. */
const SWEEP_MS = 100;

function sameError(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * The one place that decides what happens to each record: validation, routing, concurrency,
 * FIFO groups, retry with backoff and dead-lettering. The Lambda handler and the worker feed it
 * records and apply its settlements.
 */
export class BatchCore {
  readonly #handlers = new Map<string, JobHandler>();
  readonly #sqs: SQSClient;
  readonly #log: LevelLogger;
  readonly #hooks: ConsumerHooks;
  /** Jobs whose handler is still running, for the deadline sweep and shutdown. */
  readonly #running = new Set<RunningJob>();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  readonly #timed: boolean;

  constructor(handlers: readonly JobHandler[], options: BatchCoreOptions) {
    for (const handler of handlers) {
      if (this.#handlers.has(handler.job.name)) {
        throw new ConfigError(`two handlers for job "${handler.job.name}"; pass one handle(...) per job`);
      }
      this.#handlers.set(handler.job.name, handler);
    }
    this.#sqs = options.sqs;
    this.#log = options.logger;
    this.#hooks = options.hooks;
    this.#timed = options.hooks.afterJob !== undefined || options.logger.enabled("error");
  }

  /** Decides every record of a batch; resolves when each one was settled. */
  async run(records: readonly SqsRecord[], batch: BatchRun): Promise<void> {
    if (records.length === 0) return;
    if (batch.fifo) {
      await this.#runGroups(records, batch);
      return;
    }
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < records.length; i = next++) {
        await this.#process(records[i] as SqsRecord, batch);
      }
    };
    const lanes = Math.min(batch.concurrency, records.length);
    if (lanes === 1) return lane();
    const running: Promise<void>[] = [];
    for (let i = 0; i < lanes; i++) running.push(lane());
    await Promise.all(running);
  }

  /**
   * Worker shutdown: hands back the records whose handlers are still running (they settle as
   * `release`) and aborts their signals.
   */
  abandonRunning(reason: unknown): void {
    for (const job of this.#running) job.end(ABANDONED, reason);
    this.#running.clear();
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /** One group at a time in order; after a record that was not settled `delete`, the rest waits. */
  async #runGroups(records: readonly SqsRecord[], batch: BatchRun): Promise<void> {
    const groups = new Map<string, SqsRecord[]>();
    for (const record of records) {
      const id = record.attributes.MessageGroupId ?? "";
      const group = groups.get(id);
      if (group === undefined) groups.set(id, [record]);
      else group.push(record);
    }
    const queue = [...groups.values()];
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let g = next++; g < queue.length; g = next++) {
        const group = queue[g] as SqsRecord[];
        let i = 0;
        for (; i < group.length; i++) {
          if ((await this.#process(group[i] as SqsRecord, batch)) !== "delete") break;
        }
        for (i++; i < group.length; i++) batch.settle(group[i] as SqsRecord, "release");
      }
    };
    const lanes: Promise<void>[] = [];
    for (let i = 0; i < Math.min(batch.concurrency, queue.length); i++) lanes.push(lane());
    await Promise.all(lanes);
  }

  async #process(record: SqsRecord, batch: BatchRun): Promise<Settlement> {
    // Timing is skipped when nothing reads it (silent logs, no metrics, no afterJob hook).
    const started = this.#timed || batch.metrics !== undefined ? performance.now() : 0;
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(record.body);
    } catch (error) {
      return this.#deadLetter(record, batch, "poison", undefined, record.messageId, error, attempt, started);
    }
    const jobId = envelope.id ?? record.messageId;
    const handler = this.#handlers.get(envelope.job);
    if (handler === undefined) {
      const error = new UnknownJobError(envelope.job, [...this.#handlers.keys()]);
      return this.#deadLetter(record, batch, "poison", envelope.job, jobId, error, attempt, started);
    }
    const job = handler.job;
    if (
      batch.stopping?.() === true ||
      (batch.canStart !== undefined && !batch.canStart(job.timeoutSeconds * 1000))
    ) {
      batch.settle(record, "release");
      return "release";
    }
    let checked = validate(job.schema, envelope.payload);
    if (checked instanceof Promise) checked = await checked;
    if (!checked.ok) {
      const error = new ValidationError(job.name, checked.issues, {
        subject: `payload of message ${record.messageId} for job "${job.name}" is`,
      });
      return this.#deadLetter(record, batch, "poison", job.name, jobId, error, attempt, started);
    }

    const ctx = new RunningJob(
      {
        jobId,
        jobName: job.name,
        attempt,
        maxAttempts: job.retry.maxAttempts,
        messageId: record.messageId,
        queueUrl: batch.queueUrl,
        enqueuedAt: envelope.enqueuedAt ?? Number(record.attributes.SentTimestamp ?? Date.now()),
        timeoutSeconds: job.timeoutSeconds,
      },
      this.#log,
    );
    if (this.#hooks.beforeJob !== undefined)
      await callHook(this.#hooks.beforeJob, "beforeJob", ctx, this.#log);
    const completion = await this.#execute(handler, checked.value, ctx);
    if (completion === SUCCEEDED) {
      batch.settle(record, "delete");
      const after = this.#outcome(
        ctx.jobName,
        jobId,
        record,
        attempt,
        "succeeded",
        started,
        undefined,
        batch,
      );
      if (after !== undefined) await after;
      return "delete";
    }
    if (completion === ABANDONED) {
      batch.settle(record, "release");
      return "release";
    }
    const error = completion.error;
    if (error instanceof Error && sameError(error, "ERR_PERMANENT")) {
      return this.#deadLetter(record, batch, "permanent", job.name, jobId, error, attempt, started);
    }
    if (attempt >= job.retry.maxAttempts) {
      return this.#deadLetter(record, batch, "exhausted", job.name, jobId, error, attempt, started);
    }
    const delay = backoffSeconds(job.retry, attempt);
    try {
      await delayRetry(this.#sqs, batch.queueUrl, record.receiptHandle, delay);
    } catch (cause) {
      this.#log.warn(
        "sqs-jobs could not set the retry backoff; the job returns after its visibility timeout",
        {
          job: job.name,
          jobId,
          messageId: record.messageId,
          error: describeAwsError(cause),
        },
      );
    }
    batch.settle(record, "keep");
    await this.#failed(job.name, jobId, record, attempt, batch, error, delay);
    await this.#outcome(job.name, jobId, record, attempt, "retrying", started, error, batch);
    return "keep";
  }

  /** Runs the handler; a sync throw or a rejection is an error completion, never a thrown one. */
  #execute(handler: JobHandler, payload: unknown, ctx: RunningJob): Completion | Promise<Completion> {
    let result: unknown;
    try {
      result = handler.run(payload, ctx);
    } catch (error) {
      return { error: error ?? new Error("handler threw undefined") };
    }
    if (typeof (result as PromiseLike<unknown> | undefined)?.then !== "function") return SUCCEEDED;
    this.#running.add(ctx);
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
    return ctx.wait(result as PromiseLike<unknown>, this.#running);
  }

  /** One timer for all running jobs, instead of one per job: it stops when none runs. */
  #sweep(): void {
    if (this.#running.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
      return;
    }
    const now = Date.now();
    for (const job of this.#running) {
      if (job.deadline <= now) {
        const error = new JobTimeoutError(job.jobName, job.timeoutSeconds);
        job.end({ error }, error);
      }
    }
  }

  async #deadLetter(
    record: SqsRecord,
    batch: BatchRun,
    reason: DeadLetterReason,
    jobName: string | undefined,
    jobId: string,
    error: unknown,
    attempt: number,
    started: number,
  ): Promise<Settlement> {
    let dlqUrl: string | undefined;
    try {
      dlqUrl = await batch.dlqUrl();
    } catch (cause) {
      this.#log.error("sqs-jobs could not find the dead-letter queue", {
        queueUrl: batch.queueUrl,
        error: describeAwsError(cause),
      });
    }
    let failure: string | undefined;
    if (dlqUrl === undefined) {
      failure = "no dead-letter queue is known: set dlqUrl, SQS_JOBS_DLQ_URL or the queue's RedrivePolicy";
    } else {
      try {
        await sendToDeadLetter(this.#sqs, dlqUrl, record, {
          reason,
          jobName,
          error,
          attempts: attempt,
          sourceQueueUrl: batch.queueUrl,
        });
      } catch (cause) {
        failure = `sending to the dead-letter queue failed: ${describeAwsError(cause)}`;
      }
    }
    if (failure !== undefined) {
      // Nothing is lost: the message stays on the source queue and comes back after its
      // visibility timeout; the RedrivePolicy moves it once maxReceiveCount is reached.
      batch.settle(record, "keep");
      this.#log.error(`sqs-jobs could not dead-letter a job; it stays on the queue (${failure})`, {
        job: jobName,
        jobId,
        messageId: record.messageId,
        attempt,
        reason,
        ...errorFields(error),
      });
      await this.#failed(jobName, jobId, record, attempt, batch, error, undefined);
      await this.#outcome(jobName, jobId, record, attempt, "failed", started, error, batch);
      return "keep";
    }
    batch.settle(record, "delete");
    await this.#failed(jobName, jobId, record, attempt, batch, error, undefined);
    if (this.#hooks.onDeadLetter !== undefined) {
      await callHook(
        this.#hooks.onDeadLetter,
        "onDeadLetter",
        {
          jobName,
          jobId,
          messageId: record.messageId,
          attempt,
          queueUrl: batch.queueUrl,
          reason,
          error,
          dlqUrl: dlqUrl as string,
        },
        this.#log,
      );
    }
    await this.#outcome(jobName, jobId, record, attempt, "dead-lettered", started, error, batch, reason);
    return "delete";
  }

  async #failed(
    jobName: string | undefined,
    jobId: string,
    record: SqsRecord,
    attempt: number,
    batch: BatchRun,
    error: unknown,
    backoff: number | undefined,
  ): Promise<void> {
    if (this.#hooks.onFailure === undefined) return;
    await callHook(
      this.#hooks.onFailure,
      "onFailure",
      {
        jobName,
        jobId,
        messageId: record.messageId,
        attempt,
        queueUrl: batch.queueUrl,
        error,
        backoffSeconds: backoff,
        willRetry: backoff !== undefined,
      },
      this.#log,
    );
  }

  /** The one log line per job outcome, the metrics and the afterJob hook. */
  #outcome(
    jobName: string | undefined,
    jobId: string,
    record: SqsRecord,
    attempt: number,
    outcome: JobOutcome,
    started: number,
    error: unknown,
    batch: BatchRun,
    reason?: DeadLetterReason,
  ): void | Promise<void> {
    const durationMs = started === 0 ? 0 : performance.now() - started;
    batch.metrics?.add(jobName, outcome, durationMs);
    const level = outcome === "succeeded" ? "info" : outcome === "retrying" ? "warn" : "error";
    if (this.#log.enabled(level)) {
      const fields: Record<string, unknown> = {
        job: jobName,
        jobId,
        messageId: record.messageId,
        attempt,
        outcome,
        durationMs: Math.round(durationMs * 1000) / 1000,
      };
      if (reason !== undefined) fields.reason = reason;
      if (error !== undefined) Object.assign(fields, errorFields(error));
      this.#log[level](`job ${outcome}`, fields);
    }
    if (this.#hooks.afterJob === undefined) return;
    return callHook(
      this.#hooks.afterJob,
      "afterJob",
      {
        jobName,
        jobId,
        messageId: record.messageId,
        attempt,
        queueUrl: batch.queueUrl,
        outcome,
        durationMs,
        error,
      },
      this.#log,
    );
  }
}
