import type { CallResponse } from "../core/call-event.ts";
import {
  type DeadLetterReason,
  DLQ_ATTRIBUTES,
  DLQ_ERROR_MESSAGE_MAX,
  REDRIVEN_ATTRIBUTE,
} from "../core/dead-letter-attributes.ts";
import { ENV } from "../core/env.ts";
import { decodeEnvelope, type Envelope } from "../core/envelope.ts";
import { ConfigError, ValidationError, type ValidationIssue } from "../core/errors.ts";
import { mapLimit } from "../core/map-limit.ts";
import { queueNameOf } from "../core/queue-url.ts";
import { validate } from "../core/schema.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import { jobClaimError } from "../ledger/errors.ts";
import type { JobFailure } from "../ledger/job-state.ts";
import { scheduledRunId } from "../schedule/run-id.ts";
import { attemptsExhaustedError } from "./attempts-exhausted-error.ts";
import type { Batch, Settlement } from "./batch.ts";
import { beginCall, type CallWait } from "./call-slot-wait.ts";
import { describeError, errorCode } from "./describe-error.ts";
import { attemptsRun, sendFreshCopy } from "./hand-back.ts";
import type { HandledJob, JobHandler } from "./handle.ts";
import { type ConsumerHooks, callHook } from "./hooks.ts";
import { checkResult } from "./job-result.ts";
import { JobTimeoutError } from "./job-timeout-error.ts";
import type { Begin, JobTracking, TrackedRun } from "./job-tracking.ts";
import type { SqsRecord } from "./lambda-types.ts";
import type { LevelLogger } from "./logger.ts";
import { type Attempt, Outcomes } from "./outcomes.ts";
import { type HandlerResult, RunningJob, type RunningJobInit } from "./running-job.ts";
import { unknownJobError } from "./unknown-job-error.ts";
import { delayRetry } from "./visibility.ts";

export type { Batch, Settlement } from "./batch.ts";

export interface BatchCoreOptions {
  readonly sqs: SqsConnect;
  readonly logger: LevelLogger;
  readonly hooks: ConsumerHooks;
  /** The job ledger's collaborator, when the queue has one. */
  readonly tracking?: JobTracking | undefined;
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
  readonly #tracking: JobTracking | undefined;
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
    this.#tracking = options.tracking;
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
      await mapLimit(records, batch.concurrency, (record) => this.#settleRecord(record, batch));
      return;
    }
    const groups = new Map<string, SqsRecord[]>();
    for (const record of records) {
      const id = record.attributes.MessageGroupId ?? "";
      groups.set(id, [...(groups.get(id) ?? []), record]);
    }
    await mapLimit([...groups.values()], batch.concurrency, async (group) => {
      for (const [i, record] of group.entries()) {
        if ((await this.#settleRecord(record, batch)) === "delete") continue;
        for (const behind of group.slice(i + 1)) batch.settle(behind, "release");
        return;
      }
    });
  }

  /**
   * Resolves once every concurrency slot kept for a handler that outlived its run (it ignored
   * its signal) is freed: the Lambda driver answers only then, as Lambda freezes the environment
   * once it answers.
   */
  async slotsFreed(): Promise<void> {
    await this.#tracking?.slotsFreed();
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
    const opened = this.#open(record.body);
    if (!opened.ok) {
      const jobId = opened.jobId ?? record.messageId;
      const poison: Attempt = { record, batch, jobName: opened.jobName, jobId, attempt, started };
      return this.#outcomes.deadLetter(poison, "poison", opened.error);
    }
    const { envelope, handler } = opened;
    const jobId = runIdOf(envelope, batch.queueUrl) ?? record.messageId;
    let a: Attempt = { record, batch, jobName: envelope.job, jobId, attempt, started };
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

    let tracked: TrackedRun | undefined;
    if (this.#tracking !== undefined) {
      const begun = await this.#track(this.#tracking, job, a, payload, envelope);
      if (typeof begun === "string") return begun;
      tracked = begun;
      a = { ...a, attempt: begun.attempts };
    }
    if (a.attempt > job.retry.maxAttempts) {
      // The ledger counts runs (its claims: crashed and timed-out runs count): the last one failed
      // or never reported, and another would only add runs that nothing but maxReceiveCount bounds.
      if (tracked !== undefined) {
        const runs = a.attempt - 1;
        const error = attemptsExhaustedError(job.name, runs, job.retry.maxAttempts);
        return this.#conclude({ ...a, attempt: runs }, job, { kind: "failed", error }, tracked);
      }
      // Without it, receives may not have run (a lost receive, a Lambda invocation that timed
      // out), so the job runs again, unless it is too large to ever reach the DLQ with its reason:
      // it already failed its attempts (or never ran them); SQS's redrive policy takes it.
      if (!batch.fifo && !(await this.#outcomes.canDeadLetter(a))) {
        batch.settle(record, "release");
        return "release";
      }
    }

    const result = await this.#runHandler(
      handler,
      payload,
      {
        jobId: a.jobId,
        jobName: job.name,
        attempt: a.attempt,
        maxAttempts: job.retry.maxAttempts,
        messageId: record.messageId,
        queueUrl: batch.queueUrl,
        enqueuedAt: envelope.enqueuedAt ?? Number(record.attributes.SentTimestamp ?? Date.now()),
        timeoutSeconds: job.timeoutSeconds,
      },
      tracked,
    );
    return this.#conclude(a, job, result, tracked);
  }

  /**
   * The run step a record and a call share: the job's context, the beforeJob hook, the handler
   * with its timeout. A handler that outlives its run (it ignored its signal) keeps the run's
   * concurrency slots until it returns.
   */
  async #runHandler(
    handler: JobHandler,
    payload: unknown,
    init: RunningJobInit,
    tracked: TrackedRun | undefined,
  ): Promise<HandlerResult> {
    const ctx = new RunningJob(init, this.#log);
    if (this.#hooks.beforeJob !== undefined)
      await callHook(this.#hooks.beforeJob, "beforeJob", ctx, this.#log);
    this.#running.add(ctx);
    const result = await ctx.run(() => handler.run(payload, ctx));
    this.#running.delete(ctx);
    const { stillRunning } = ctx;
    if (stillRunning !== undefined) tracked?.keepSlotsUntil(stillRunning);
    return result;
  }

  /** Carries out how a run ended, and records it in the ledger when the job is tracked. */
  async #conclude(
    a: Attempt,
    job: HandledJob,
    result: HandlerResult,
    tracked: TrackedRun | undefined,
  ): Promise<Settlement> {
    if (result.kind === "abandoned") {
      a.batch.settle(a.record, "release");
      await tracked?.end({ status: "retrying", failure: ABANDONED });
      return "release";
    }
    let error: unknown;
    if (result.kind === "succeeded") {
      // Awaited only for a job with a result schema: the common case costs no turn.
      const checked = job.result === undefined ? NO_RESULT : await checkResult(job, result.value);
      if (checked.ok) {
        // The ledger before the delete: a worker killed between the two leaves a message whose
        // redelivery the ledger drops as finished, where the other order left the entry
        // `running` for good. (Dead-lettering cannot go first the same way: if the DLQ send
        // fails, the job must stay claimable.)
        await tracked?.end({ status: "succeeded", resultJson: checked.json });
        return this.#outcomes.succeeded(a);
      }
      error = checked.error;
    } else error = result.error;

    const failure = failureOf(error);
    const reason = deadReason(result, error, a.attempt, job.retry.maxAttempts);
    if (reason !== undefined) {
      const settlement = await this.#outcomes.deadLetter(a, reason, error);
      // A job whose DLQ send failed stays on the queue (`keep`): the ledger says it will be tried
      // again. One too large for the DLQ (`release`) is dead: the ledger keeps why.
      await tracked?.end(
        settlement === "keep"
          ? { status: "retrying", failure }
          : { status: "dead", failure: { ...failure, reason } },
      );
      return settlement;
    }
    const settlement = await this.#outcomes.retry(a, job.retry, error);
    await tracked?.end({ status: "retrying", failure });
    return settlement;
  }

  /**
   * Asks the ledger for the run: the run, or how the record was settled when it must not run
   * now (already finished, held by another run or out of slots, or poison).
   */
  async #track(
    tracking: JobTracking,
    job: HandledJob,
    a: Attempt,
    payload: unknown,
    { payload: rawPayload, schedule }: Envelope,
  ): Promise<TrackedRun | Settlement> {
    let begun: Awaited<ReturnType<JobTracking["begin"]>>;
    try {
      begun = await tracking.begin(job, {
        jobId: a.jobId,
        queueUrl: a.batch.queueUrl,
        payload,
        rawPayload,
        redriven:
          a.record.messageAttributes?.[DLQ_ATTRIBUTES.reason] !== undefined ||
          a.record.messageAttributes?.[REDRIVEN_ATTRIBUTE] !== undefined,
        skipOverlapOf: schedule?.overlap === "skip" ? schedule.name : undefined,
      });
    } catch (thrown) {
      // A failed attempt like a handler's (the ledger down, a write refused, anything thrown): it
      // is retried after the job's backoff and dead-lettered at the last attempt, never waits
      // forever. Counted from the receives, as the ledger could not count it.
      const error = jobClaimError(job.name, describeError(thrown), thrown);
      if (a.attempt >= job.retry.maxAttempts) return this.#outcomes.deadLetter(a, "exhausted", error);
      return this.#outcomes.retry(a, job.retry, error);
    }
    switch (begun.kind) {
      case "run":
        return begun.run;
      case "skip":
        // Dead, but never copied to the DLQ (too large): the message waits for the redrive policy.
        if (begun.status === "dead" && !(await this.#outcomes.canDeadLetter(a))) {
          a.batch.settle(a.record, "release");
          return "release";
        }
        this.#log.info(
          begun.status === "skipped"
            ? "sqs-jobs: the schedule's previous run still works; this run is skipped (overlap: skip)"
            : `sqs-jobs: job already ${begun.status}; this delivery is dropped`,
          {
            jobName: job.name,
            jobId: a.jobId,
            messageId: a.record.messageId,
          },
        );
        a.batch.settle(a.record, "delete");
        return "delete";
      case "wait":
        this.#log.debug(`sqs-jobs: ${begun.why}; the job waits ${begun.delaySeconds} s on the queue`, {
          jobName: job.name,
          jobId: a.jobId,
        });
        return this.#handBack(a, begun.delaySeconds);
      case "poison":
        return this.#outcomes.deadLetter(a, "poison", begun.error);
      case "collision":
        return this.#outcomes.deadLetter(a, "id-collision", begun.error);
    }
  }

  /**
   * A synchronous call (Lambda Invoke from `JobClient.call`): decoded, validated, claimed in the
   * ledger (its entry, its concurrency slot) and run like a record, with the same hooks, but no
   * queue: whatever happens is answered to the caller, never retried or dead-lettered. A call
   * that finds every slot of its key taken tries again within `waitMs`, then answers that it did
   * not start.
   */
  async call(body: string, options: CallRunOptions): Promise<CallResponse> {
    const opened = this.#open(body);
    if (!opened.ok) return callFailed(opened.jobId ?? "", opened.error);
    const { envelope, handler } = opened;
    const { job } = handler;
    const jobId = envelope.id ?? "";
    if (options.canStart?.(job.timeoutSeconds * 1000) === false) {
      return callFailed(jobId, new JobTimeoutError(job.name, job.timeoutSeconds));
    }
    const checked = await validate(job.schema, envelope.payload, job);
    if (!checked.ok) {
      const subject = { subject: `payload of call ${jobId} for job "${job.name}" is` };
      return callFailed(jobId, new ValidationError(job.name, checked.issues, subject));
    }
    let tracked: TrackedRun | undefined;
    if (this.#tracking !== undefined) {
      const begun = await this.#trackCall(this.#tracking, job, jobId, checked.value, envelope, options);
      if ("ok" in begun) return begun;
      tracked = begun;
    }
    const queueUrl = options.queueUrl ?? "";
    const attempt = tracked?.attempts ?? 1;
    const started = performance.now();
    const ran = await this.#runHandler(
      handler,
      checked.value,
      {
        jobId,
        jobName: job.name,
        attempt,
        maxAttempts: 1,
        messageId: jobId,
        queueUrl,
        enqueuedAt: envelope.enqueuedAt ?? Date.now(),
        timeoutSeconds: job.timeoutSeconds,
      },
      tracked,
    );
    let error: unknown = ran.kind === "failed" ? ran.error : undefined;
    let resultJson: string | undefined;
    if (ran.kind === "succeeded") {
      const result = await checkResult(job, ran.value);
      if (result.ok) resultJson = result.json;
      else error = result.error;
    }
    // A call has one attempt: a failed one is final, as the caller gets the error.
    await tracked?.end(
      error === undefined
        ? { status: "succeeded", resultJson }
        : {
            status: "dead",
            failure: { ...failureOf(error), reason: deadReason(ran, error, attempt, attempt) },
          },
    );
    const durationMs = performance.now() - started;
    // A call's one attempt is final: a failed one leaves the job dead, as the ledger says.
    const outcome = error === undefined ? "succeeded" : "dead";
    const level = error === undefined ? "info" : "warn";
    this.#log[level](`job call ${error === undefined ? "succeeded" : "failed"}`, {
      jobName: job.name,
      jobId,
      durationMs: Math.round(durationMs),
      ...(error === undefined ? {} : { error: describeError(error).message }),
    });
    if (this.#hooks.afterJob !== undefined) {
      const info = {
        jobName: job.name,
        jobId,
        messageId: jobId,
        attempt,
        queueUrl,
        outcome,
        durationMs,
        error,
      } as const;
      await callHook(this.#hooks.afterJob, "afterJob", info, this.#log);
    }
    if (error !== undefined) return callFailed(jobId, error);
    return { ok: true, jobId, resultJson };
  }

  /**
   * Asks the ledger for a call's run, as for a record: the run, or the answer when it must not
   * run now (no slot within the call's wait, the ledger out of reach, poison).
   */
  async #trackCall(
    tracking: JobTracking,
    job: HandledJob,
    jobId: string,
    payload: unknown,
    envelope: Envelope,
    options: CallRunOptions,
  ): Promise<TrackedRun | CallResponse> {
    if (options.queueUrl === undefined) {
      return callNotStarted(
        jobId,
        `a call of job "${job.name}" is tracked under its consumer's queue, which is unknown: pass queueUrl to createSqsHandler or set ${ENV.queueUrl}`,
      );
    }
    let begun: Begin;
    try {
      begun = await beginCall(
        tracking,
        job,
        {
          jobId,
          queueUrl: options.queueUrl,
          payload,
          rawPayload: envelope.payload,
          redriven: false,
          skipOverlapOf: undefined,
        },
        options,
      );
    } catch (error) {
      this.#log.warn("sqs-jobs could not reach the job ledger; the call is refused unstarted", {
        jobName: job.name,
        jobId,
        error: describeError(error).message,
      });
      return callNotStarted(jobId, `the job ledger could not be reached: ${describeError(error).message}`);
    }
    switch (begun.kind) {
      case "run":
        return begun.run;
      case "skip":
        return callNotStarted(jobId, `job ${jobId} is already ${begun.status}`);
      case "wait":
        return callNotStarted(
          jobId,
          `${begun.why} for the call's whole wait (${options.waitMs} ms: its timeoutMs less the job's timeout and 1 s); call later, or with a larger timeoutMs`,
        );
      case "poison":
      case "collision":
        return callFailed(jobId, begun.error);
    }
  }

  /** Decodes a body and finds its handler; the error is poison for a record. */
  #open(
    body: string,
  ):
    | { ok: true; envelope: ReturnType<typeof decodeEnvelope>; handler: JobHandler }
    | { ok: false; error: unknown; jobName: string | undefined; jobId: string | undefined } {
    let envelope: ReturnType<typeof decodeEnvelope>;
    try {
      envelope = decodeEnvelope(body);
    } catch (error) {
      return { ok: false, error, jobName: undefined, jobId: undefined };
    }
    const handler = this.#handlers.get(envelope.job);
    if (handler === undefined) {
      const error = unknownJobError(envelope.job, [...this.#handlers.keys()]);
      return { ok: false, error, jobName: envelope.job, jobId: envelope.id };
    }
    return { ok: true, envelope, handler };
  }

  /**
   * A record not started (no time left, shutdown). On a standard queue it goes back as a fresh
   * copy, so the delivery that did not run costs no attempt; on FIFO (or if the copy cannot be
   * sent) it is released, and its receive count grows by one (docs/guarantees.md).
   */
  async #handBack(a: Attempt, delaySeconds = 0): Promise<Settlement> {
    if (!a.batch.fifo) {
      try {
        await sendFreshCopy(this.#sqs, a.batch.queueUrl, a.record, delaySeconds);
        a.batch.settle(a.record, "delete");
        return "delete";
      } catch (error) {
        this.#log.warn("sqs-jobs could not re-send an unstarted job; it is released instead", {
          messageId: a.record.messageId,
          error: describeError(error).message,
        });
      }
    }
    if (delaySeconds > 0) {
      try {
        await delayRetry(this.#sqs, a.batch.queueUrl, a.record.receiptHandle, delaySeconds);
        a.batch.settle(a.record, "keep");
        return "keep";
      } catch {
        // Released below: it comes back at once rather than after the wait.
      }
    }
    a.batch.settle(a.record, "release");
    return "release";
  }
}

/** How a call runs: the consumer's queue (for the ledger), its wait for a slot, the time left. */
export interface CallRunOptions extends CallWait {
  readonly queueUrl: string | undefined;
}

function callFailed(jobId: string, error: unknown): CallResponse {
  const { name, message, code } = failureOf(error);
  return { ok: false, jobId, error: { name, message, code } };
}

/** The job did not run: the caller may call again. */
function callNotStarted(jobId: string, message: string): CallResponse {
  return {
    ok: false,
    jobId,
    started: false,
    error: { name: "CallNotStartedError", message, code: "ERR_CALL_NOT_STARTED" },
  };
}

/**
 * Why a failed run's job is dead, or undefined while attempts are left: a result that failed its
 * schema or a PermanentError cannot be fixed by a retry; else the last attempt is exhausted.
 */
function deadReason(
  result: HandlerResult,
  error: unknown,
  attempt: number,
  maxAttempts: number,
): DeadLetterReason | undefined {
  if (result.kind === "succeeded" || errorCode(error) === "ERR_PERMANENT") return "permanent";
  return attempt >= maxAttempts ? "exhausted" : undefined;
}

/** A job's id: the envelope's, or for a run of a periodic schedule the run's ({@link scheduledRunId}). */
function runIdOf(envelope: Envelope, queueUrl: string): string | undefined {
  const { schedule, enqueuedAt } = envelope;
  return schedule !== undefined && enqueuedAt !== undefined
    ? scheduledRunId(queueNameOf(queueUrl), schedule.name, enqueuedAt)
    : envelope.id;
}

const NO_RESULT = { ok: true, json: undefined } as const;

/** What the ledger records when the worker stops before a run ends; the job runs again. */
const ABANDONED: JobFailure = {
  reason: undefined,
  name: "Abandoned",
  message: "the consumer stopped before the run finished",
  code: undefined,
};

function failureOf(error: unknown): JobFailure {
  const { name, message } = describeError(error);
  const code = errorCode(error);
  return {
    reason: undefined,
    name: name.slice(0, 200),
    message: message.slice(0, DLQ_ERROR_MESSAGE_MAX),
    code: typeof code === "string" ? code.slice(0, 100) : undefined,
  };
}
