import { decodeEnvelope, type Envelope } from "../core/envelope.ts";
import { ConfigError, ValidationError } from "../core/errors.ts";
import { validate } from "../core/schema.ts";
import { attemptsExhaustedError } from "./attempts-exhausted-error.ts";
import { type CallbackCompletion, completionPending } from "./callback-completion.ts";
import { type Delivery, nothingToRecord, type Taken } from "./delivery.ts";
import type { FlowTracking } from "./flow-tracking.ts";
import type { HandledJob, JobHandler } from "./handle.ts";
import { type ConsumerHooks, callHook } from "./hooks.ts";
import { ABANDONED, deadReason, failureOf } from "./job-failure.ts";
import { checkResult } from "./job-result.ts";
import { traceJob } from "./job-span.ts";
import type { Begin, JobTracking, TrackedRun } from "./job-tracking.ts";
import type { LevelLogger } from "./logger.ts";
import { PayloadReader } from "./payload-read.ts";
import { type HandlerResult, RunningJob } from "./running-job.ts";
import { unknownJobError } from "./unknown-job-error.ts";

export interface JobStepOptions {
  readonly logger: LevelLogger;
  readonly hooks: ConsumerHooks;
  /** The job ledger's collaborator, when the queue has one. */
  readonly tracking: JobTracking | undefined;
  /** Completes the durable callbacks jobs carry (docs/durable.md). */
  readonly callbacks: CallbackCompletion;
  /** Reads pointer bodies from S3 (docs/payloads.md). @default one with a client from the environment */
  readonly payloads?: PayloadReader;
  /** Children, flows and their counts (docs/flows.md). */
  readonly flows: FlowTracking;
}

type Opened =
  | { readonly ok: true; readonly envelope: Envelope; readonly handler: JobHandler }
  | {
      readonly ok: false;
      readonly error: unknown;
      readonly jobName: string | undefined;
      readonly jobId: string | undefined;
      readonly callbackId: string | undefined;
    };

/** The result as the ledger will keep it (inline or a pointer), or why S3 would not store it. */
type StoredResult =
  | { readonly ok: true; readonly json: string | undefined }
  | { readonly ok: false; readonly error: unknown };

/**
 * The decide/run step a queued record and a call share: decode the body and find its handler,
 * check there is time, validate the payload, claim the run in the ledger, run the handler with its
 * timeout, check its result, and decide the end (done, retried, dead) and what the ledger records.
 * The {@link Delivery} carries out each end.
 */
export class JobStep {
  readonly #handlers = new Map<string, JobHandler>();
  readonly #log: LevelLogger;
  readonly #hooks: ConsumerHooks;
  readonly #tracking: JobTracking | undefined;
  readonly #callbacks: CallbackCompletion;
  readonly #payloads: PayloadReader;
  readonly #flows: FlowTracking;
  /** Jobs whose handler is running, for worker shutdown. */
  readonly #running = new Set<RunningJob>();

  constructor(handlers: readonly JobHandler[], options: JobStepOptions) {
    for (const handler of handlers) {
      if (this.#handlers.has(handler.job.name)) {
        throw new ConfigError(`two handlers for job "${handler.job.name}"; pass one handle(...) per job`);
      }
      this.#handlers.set(handler.job.name, handler);
    }
    this.#log = options.logger;
    this.#hooks = options.hooks;
    this.#tracking = options.tracking;
    this.#callbacks = options.callbacks;
    this.#payloads = options.payloads ?? new PayloadReader();
    this.#flows = options.flows;
  }

  /** Worker shutdown: running jobs end unfinished and their signals abort. */
  abandonRunning(reason: unknown): void {
    for (const job of this.#running) job.abandon(reason);
  }

  /**
   * Decides one delivery, top to bottom, and resolves with the answer of the end it carried out;
   * inside the job's span when tracing is on ({@link traceJob}).
   */
  async decide<R>(delivery: Delivery<R>): Promise<R> {
    // A pointer's object is read first: the envelope, the span and everything after need it.
    const read = await this.#payloads.read(delivery.body);
    if (!read.ok) {
      const taken = { jobName: undefined, jobId: delivery.fallbackId, attempt: delivery.attempt };
      return read.poison
        ? delivery.refuse(taken, "poison", read.error, nothingToRecord)
        : delivery.unreadable(taken, read.error);
    }
    const opened = this.#open(read.body);
    return traceJob(delivery, opened.ok ? opened.envelope : undefined, () => this.#decide(delivery, opened));
  }

  async #decide<R>(delivery: Delivery<R>, opened: Opened): Promise<R> {
    if (!opened.ok) {
      const { jobName, error } = opened;
      const taken = { jobName, jobId: opened.jobId ?? delivery.fallbackId, attempt: delivery.attempt };
      return this.#refuse(delivery, taken, "poison", error, opened.callbackId);
    }
    const { envelope, handler } = opened;
    const { job } = handler;
    let taken: Taken = { jobName: job.name, jobId: delivery.jobIdOf(envelope), attempt: delivery.attempt };
    if (!delivery.canStart(job.timeoutSeconds * 1000)) {
      return delivery.notStarted(taken, job, { kind: "no-time" });
    }
    const checked = await validate(job.schema, envelope.payload, job);
    if (!checked.ok) {
      const subject = { subject: `payload of ${delivery.subject(taken)} for job "${job.name}" is` };
      const invalid = new ValidationError(job.name, checked.issues, subject);
      return this.#refuse(delivery, taken, "poison", invalid, envelope.callbackId);
    }
    const payload = checked.value;

    let tracked: TrackedRun | undefined;
    if (this.#tracking !== undefined) {
      const begun = await this.#claim(this.#tracking, delivery, job, taken, payload, envelope);
      if (!("run" in begun)) return begun.answer;
      tracked = begun.run;
      taken = { ...taken, attempt: tracked.attempts };
    }
    const maxAttempts = delivery.maxAttempts(job);
    if (taken.attempt > maxAttempts) {
      // The ledger counts runs (its claims: crashed and timed-out runs count): the last one failed
      // or never reported, and another would only add runs that nothing but maxReceiveCount bounds.
      if (tracked !== undefined) {
        const runs = taken.attempt - 1;
        const error = attemptsExhaustedError(job.name, runs, maxAttempts);
        const exhausted = { kind: "failed", error } as const;
        return this.#conclude(delivery, { ...taken, attempt: runs }, job, exhausted, tracked, envelope);
      }
      const ended = await delivery.pastLastAttempt(taken);
      if (ended !== undefined) return ended;
    }

    const ctx = new RunningJob(
      {
        jobId: taken.jobId,
        jobName: job.name,
        attempt: taken.attempt,
        maxAttempts,
        messageId: delivery.messageId ?? taken.jobId,
        queueUrl: delivery.queueUrl ?? "",
        enqueuedAt: envelope.enqueuedAt ?? delivery.sentAt,
        timeoutSeconds: job.timeoutSeconds,
        flow: this.#flows.contextFor(taken.jobId, envelope, delivery.queueUrl ?? ""),
        onProgress: tracked === undefined ? undefined : (json) => tracked.progress(json),
      },
      this.#log,
    );
    // A continuation whose flow has dead children under the `fail` policy does not run.
    const refused = await this.#flows.refusal(envelope).catch((error: unknown) => error);
    const result =
      refused === undefined ? await this.#run(handler, payload, ctx, tracked) : failedWith(refused);
    return this.#conclude(delivery, taken, job, result, tracked, envelope);
  }

  /**
   * The job's context, the beforeJob hook, the handler with its timeout. A handler that outlives
   * its run (it ignored its signal) keeps the run's concurrency slots until it returns.
   */
  async #run(
    handler: JobHandler,
    payload: unknown,
    ctx: RunningJob,
    tracked: TrackedRun | undefined,
  ): Promise<HandlerResult> {
    await callHook(this.#hooks.beforeJob, "beforeJob", ctx, this.#log);
    this.#running.add(ctx);
    tracked?.watch(() => ctx.cancel());
    const result = await ctx.run(() => handler.run(payload, ctx));
    this.#running.delete(ctx);
    const { stillRunning } = ctx;
    if (stillRunning !== undefined) tracked?.keepSlotsUntil(stillRunning);
    return result;
  }

  /** Decides how a run ended, has the delivery carry it out, and records it in the ledger. */
  async #conclude<R>(
    delivery: Delivery<R>,
    taken: Taken,
    job: HandledJob,
    result: HandlerResult,
    tracked: TrackedRun | undefined,
    envelope: Envelope,
  ): Promise<R> {
    const { callbackId } = envelope;
    if (result.kind === "abandoned") {
      const answer = await delivery.abandoned(taken);
      await tracked?.end({ status: "retrying", failure: ABANDONED });
      return answer;
    }
    // A failed attempt of a job asked to cancel ends cancelled too: its retry would be stopped
    // anyway, and its last one would be dead-lettered. A success stands (a cancel came too late).
    if (result.kind === "cancelled" || (result.kind === "failed" && (await tracked?.cancelRequested()))) {
      // The ledger first, as for a success: a redelivery then finds the job finished.
      await tracked?.end({ status: "cancelled" });
      // A flow's child that ends cancelled counts as failed: its flow must still complete.
      if (!(await this.#flows.counted(envelope, "dead"))) return delivery.notStarted(taken, job, COUNT_WAIT);
      return delivery.cancelled(taken, job);
    }
    let error: unknown;
    let stored: StoredResult | undefined;
    if (result.kind === "succeeded") {
      const checked = await checkResult(job, result.value, this.#payloads.resultLimit);
      stored = checked.ok ? await this.#storeResult(job, taken, checked.json) : undefined;
      if (stored?.ok === true) {
        // The ledger before the delete: a worker killed between the two leaves a message whose
        // redelivery the ledger drops as finished, where the other order left the entry
        // `running` for good. (Dead-lettering cannot go first the same way: if the DLQ send
        // fails, the job must stay claimable.)
        await tracked?.end({ status: "succeeded", resultJson: stored.json });
        // A flow's child is counted before its message goes: if the count fails, a redelivery counts it.
        if (!(await this.#flows.counted(envelope, "succeeded")))
          return delivery.notStarted(taken, job, COUNT_WAIT);
        // Completed before the message is deleted: if this fails, or the consumer dies first, the
        // message's next delivery finds the job finished and completes it (see the skip below).
        const end = {
          status: "succeeded",
          jobName: job.name,
          jobId: taken.jobId,
          resultJson: stored.json,
        } as const;
        if (callbackId !== undefined && !(await this.#callbacks.complete(callbackId, end))) {
          return delivery.notStarted(taken, job, completionPending);
        }
        const answer = await delivery.succeeded(taken, stored.json);
        await this.#payloads.succeeded(job, delivery.body, this.#log);
        return answer;
      }
      error = checked.ok ? stored?.error : checked.error;
    } else error = result.error;

    const failure = failureOf(error);
    // A result S3 would not store fails like a handler's attempt (retried), not like a bad result.
    const ended: HandlerResult = stored === undefined || stored.ok ? result : { kind: "failed", error };
    const reason = deadReason(ended, error, taken.attempt, delivery.maxAttempts(job));
    // Recorded before the message is deleted, as for a success: a consumer that dies first leaves
    // the message, whose next delivery finds the job dead, counts it and completes its callback.
    return delivery.failed(taken, job, error, reason, async (dead) => {
      if (dead === undefined) {
        // Retried, or its DLQ send failed: the ledger says it will be tried again.
        await tracked?.end({ status: "retrying", failure });
        return undefined;
      }
      const deadFailure = { ...failure, reason: dead };
      await tracked?.end({ status: "dead", failure: deadFailure });
      if (!(await this.#flows.counted(envelope, "dead"))) return COUNT_WAIT;
      if (callbackId === undefined) return undefined;
      const end = { jobName: job.name, jobId: taken.jobId, attempts: taken.attempt, failure: deadFailure };
      const completed = await this.#callbacks.complete(callbackId, { status: "dead", ...end });
      // Without a ledger a later delivery would run the job again, not complete it: tried once.
      return completed || tracked === undefined ? undefined : completionPending;
    });
  }

  /** A result too large for the ledger goes to S3; a failed put fails the attempt. */
  async #storeResult(job: HandledJob, taken: Taken, json: string | undefined): Promise<StoredResult> {
    try {
      return { ok: true, json: await this.#payloads.storeResult(job.name, taken.jobId, json) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * Asks the ledger for the run: the run, or the delivery's answer when it must not run now
   * (already finished, held by another run or out of slots, poison, or the ledger out of reach).
   */
  async #claim<R>(
    tracking: JobTracking,
    delivery: Delivery<R>,
    job: HandledJob,
    taken: Taken,
    payload: unknown,
    envelope: Envelope,
  ): Promise<{ readonly run: TrackedRun } | { readonly answer: R }> {
    const { payload: rawPayload, schedule, callbackId } = envelope;
    const { queueUrl } = delivery;
    if (queueUrl === undefined)
      return { answer: await delivery.notStarted(taken, job, { kind: "no-queue" }) };
    let begun: Begin;
    try {
      begun = await delivery.begin(tracking, job, {
        jobId: taken.jobId,
        queueUrl,
        payload,
        rawPayload,
        redriven: delivery.redriven,
        skipOverlapOf: schedule?.overlap === "skip" ? schedule.name : undefined,
      });
    } catch (error) {
      return { answer: await delivery.notStarted(taken, job, { kind: "claim-failed", error }) };
    }
    switch (begun.kind) {
      case "run":
        return { run: begun.run };
      case "skip": {
        // A flow's child already final: count it again (idempotent), in case the run that ended
        // it stopped before its count. Any end but success (dead, cancelled, superseded, skipped)
        // counts as failed, or the flow would never complete.
        if (!(await this.#flows.counted(envelope, begun.status === "succeeded" ? "succeeded" : "dead"))) {
          return { answer: await delivery.notStarted(taken, job, COUNT_WAIT) };
        }
        // The delivery that ended the job may have died before it completed the callback.
        const read = () => tracking.stored(taken.jobId);
        if (callbackId !== undefined && !(await this.#callbacks.completeFromLedger(callbackId, read))) {
          return { answer: await delivery.notStarted(taken, job, completionPending) };
        }
        return { answer: await delivery.notStarted(taken, job, { kind: "finished", status: begun.status }) };
      }
      case "wait":
        return { answer: await delivery.notStarted(taken, job, begun) };
      case "poison":
        return { answer: await this.#refuse(delivery, taken, "poison", begun.error, callbackId) };
      case "collision":
        return { answer: await this.#refuse(delivery, taken, "id-collision", begun.error, callbackId) };
    }
  }

  /**
   * Poison, or a job id that is another job's: dead-lettered at once, its callback completed with
   * why before the message is deleted. A failed completion does not hold the message: no ledger
   * entry would complete it again, and each delivery would dead-letter another copy.
   */
  async #refuse<R>(
    delivery: Delivery<R>,
    taken: Taken,
    reason: "poison" | "id-collision",
    error: unknown,
    callbackId: string | undefined,
  ): Promise<R> {
    return delivery.refuse(taken, reason, error, async () => {
      if (callbackId !== undefined) await this.#callbacks.completeRefused(callbackId, taken, reason, error);
      return undefined;
    });
  }

  /** Decodes a body and finds its handler; the error is poison. */
  #open(body: string): Opened {
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(body);
    } catch (error) {
      return { ok: false, error, jobName: undefined, jobId: undefined, callbackId: undefined };
    }
    const handler = this.#handlers.get(envelope.job);
    if (handler === undefined) {
      const error = unknownJobError(envelope.job, [...this.#handlers.keys()]);
      return { ok: false, error, jobName: envelope.job, jobId: envelope.id, callbackId: envelope.callbackId };
    }
    return { ok: true, envelope, handler };
  }
}

/** A flow's child whose count could not be written waits on the queue (no attempt) to be counted again. */
const COUNT_WAIT = { kind: "wait", delaySeconds: 5, why: "its flow's count could not be written" } as const;

function failedWith(error: unknown): HandlerResult {
  return { kind: "failed", error };
}
