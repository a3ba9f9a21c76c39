import { decodeEnvelope } from "../core/envelope.ts";
import { ConfigError, ValidationError, type ValidationIssue } from "../core/errors.ts";
import { validate } from "../core/schema.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import type { Batch, Settlement } from "./batch.ts";
import { describeError, errorCode } from "./describe-error.ts";
import { attemptsRun, sendFreshCopy } from "./hand-back.ts";
import type { HandledJob, JobHandler } from "./handle.ts";
import { type ConsumerHooks, callHook } from "./hooks.ts";
import type { SqsRecord } from "./lambda-types.ts";
import type { LevelLogger } from "./logger.ts";
import { type Attempt, Outcomes } from "./outcomes.ts";
import { RunningJob } from "./running-job.ts";
import { UnknownJobError } from "./unknown-job-error.ts";

export type { Batch, Settlement } from "./batch.ts";

export interface BatchCoreOptions {
  readonly sqs: SqsConnect;
  readonly logger: LevelLogger;
  readonly hooks: ConsumerHooks;
}

/** Runs `work` on every item, at most `limit` at once. */
async function eachWithLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Why a payload failed its job's schema, naming the message, never the payload. */
function invalidPayload(
  job: HandledJob,
  issues: readonly ValidationIssue[],
  record: SqsRecord,
): ValidationError {
  const subject = { subject: `payload of message ${record.messageId} for job "${job.name}" is` };
  return new ValidationError(job.name, issues, subject);
}

/**
 * The one place that decides what happens to each record: decoding, routing, validation, the
 * handler run with its timeout, retry with backoff and dead-lettering, and FIFO group order. The
 * Lambda handler and the worker feed it records and apply the settlement it gives each one.
 */
export class BatchCore {
  readonly #handlers = new Map<string, JobHandler>();
  readonly #sqs: SqsConnect;
  readonly #log: LevelLogger;
  readonly #hooks: ConsumerHooks;
  readonly #outcomes: Outcomes;
  /** Jobs whose handler is running, for worker shutdown. */
  readonly #running = new Set<RunningJob>();

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
    this.#outcomes = new Outcomes(options.sqs, options.logger, options.hooks);
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /**
   * Settles every record of a batch; resolves when each one was settled. Standard queues: up to
   * `concurrency` records at once. FIFO: each message group in order, up to `concurrency` groups
   * at once; after a record that is not deleted, the rest of its group is released unstarted.
   */
  async run(records: readonly SqsRecord[], batch: Batch): Promise<void> {
    if (!batch.fifo) {
      await eachWithLimit(records, batch.concurrency, (record) => this.#settleRecord(record, batch));
      return;
    }
    const groups = new Map<string, SqsRecord[]>();
    for (const record of records) {
      const id = record.attributes.MessageGroupId ?? "";
      groups.set(id, [...(groups.get(id) ?? []), record]);
    }
    await eachWithLimit([...groups.values()], batch.concurrency, async (group) => {
      for (const [i, record] of group.entries()) {
        if ((await this.#settleRecord(record, batch)) === "delete") continue;
        for (const behind of group.slice(i + 1)) batch.settle(behind, "release");
        return;
      }
    });
  }

  /** Worker shutdown: running jobs end unfinished (their messages are released) and their signals abort. */
  abandonRunning(reason: unknown): void {
    for (const job of this.#running) job.abandon(reason);
  }

  /** Decides one record. A fault of ours leaves it on the queue rather than failing its batch. */
  async #settleRecord(record: SqsRecord, batch: Batch): Promise<Settlement> {
    try {
      return await this.#decide(record, batch);
    } catch (bug) {
      this.#log.error("sqs-jobs could not decide a record; it stays on the queue", {
        messageId: record.messageId,
        error: describeError(bug).message,
      });
      batch.settle(record, "keep");
      return "keep";
    }
  }

  async #decide(record: SqsRecord, batch: Batch): Promise<Settlement> {
    const started = performance.now();
    const attempt = attemptsRun(record) + 1;
    let envelope: ReturnType<typeof decodeEnvelope>;
    try {
      envelope = decodeEnvelope(record.body);
    } catch (error) {
      const unnamed = { record, batch, jobName: undefined, jobId: record.messageId, attempt, started };
      return this.#outcomes.deadLetter(unnamed, "poison", error);
    }
    const a: Attempt = {
      record,
      batch,
      jobName: envelope.job,
      jobId: envelope.id ?? record.messageId,
      attempt,
      started,
    };
    const handler = this.#handlers.get(envelope.job);
    if (handler === undefined) {
      return this.#outcomes.deadLetter(
        a,
        "poison",
        new UnknownJobError(envelope.job, [...this.#handlers.keys()]),
      );
    }
    const { job } = handler;
    if (batch.stopping?.() === true || batch.canStart?.(job.timeoutSeconds * 1000) === false) {
      return this.#handBack(a);
    }
    let checked = validate(job.schema, envelope.payload, job);
    // Awaited only when the schema is async: most are not, and each await is a turn per record.
    if (checked instanceof Promise) checked = await checked;
    if (!checked.ok)
      return this.#outcomes.deadLetter(a, "poison", invalidPayload(job, checked.issues, record));
    const payload = checked.value;

    const ctx = new RunningJob(
      {
        jobId: a.jobId,
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
    this.#running.add(ctx);
    const result = await ctx.run(() => handler.run(payload, ctx));
    this.#running.delete(ctx);

    if (result.kind === "succeeded") return this.#outcomes.succeeded(a);
    if (result.kind === "abandoned") {
      batch.settle(record, "release");
      return "release";
    }
    if (errorCode(result.error) === "ERR_PERMANENT") {
      return this.#outcomes.deadLetter(a, "permanent", result.error);
    }
    if (attempt >= job.retry.maxAttempts) return this.#outcomes.deadLetter(a, "exhausted", result.error);
    return this.#outcomes.retry(a, job.retry, result.error);
  }

  /**
   * A record not started (no time left, shutdown). On a standard queue it goes back as a fresh
   * copy, so the delivery that did not run costs no attempt; on FIFO (or if the copy cannot be
   * sent) it is released, and its receive count grows by one (docs/guarantees.md).
   */
  async #handBack(a: Attempt): Promise<Settlement> {
    if (!a.batch.fifo) {
      try {
        await sendFreshCopy(this.#sqs, a.batch.queueUrl, a.record);
        a.batch.settle(a.record, "delete");
        return "delete";
      } catch (error) {
        this.#log.warn("sqs-jobs could not re-send an unstarted job; it is released instead", {
          messageId: a.record.messageId,
          error: describeError(error).message,
        });
      }
    }
    a.batch.settle(a.record, "release");
    return "release";
  }
}
