import type { CallResponse } from "../core/call-event.ts";
import type { DeadLetterReason } from "../core/dead-letter-attributes.ts";
import { ENV } from "../core/env.ts";
import type { Envelope } from "../core/envelope.ts";
import type { TraceHeaders } from "../core/trace-context.ts";
import { JobCancelledError } from "../ledger/errors.ts";
import { beginCall, type CallWait } from "./call-slot-wait.ts";
import type { BeforeSettle, Delivery, NotStarted, Taken } from "./delivery.ts";
import { describeError } from "./describe-error.ts";
import type { HandledJob } from "./handle.ts";
import { type ConsumerHooks, callHook, type JobOutcome } from "./hooks.ts";
import { ABANDONED, failureOf } from "./job-failure.ts";
import { noteJobOutcome } from "./job-span.ts";
import { JobTimeoutError } from "./job-timeout-error.ts";
import type { Begin, JobTracking, TrackedDelivery } from "./job-tracking.ts";
import type { LevelLogger } from "./logger.ts";

/** How a call runs: the consumer's queue (for the ledger), its wait for a slot, the time left. */
export interface CallRunOptions extends CallWait {
  readonly queueUrl: string | undefined;
}

/**
 * A synchronous call (Lambda Invoke from `JobClient.call`): no queue holds it, so nothing is
 * retried, handed back or dead-lettered; every end is answered to the caller. It has one attempt:
 * a failed one is final. A call that finds every slot of its key taken tries again within its
 * wait, then answers that it did not start.
 */
export class CallDelivery implements Delivery<CallResponse> {
  readonly body: string;
  readonly queueUrl: string | undefined;
  readonly fallbackId = "";
  readonly attempt = 1;
  readonly redriven = false;
  readonly messageId = undefined;
  readonly sentAt = Date.now();
  readonly #options: CallRunOptions;
  readonly #log: LevelLogger;
  readonly #hooks: ConsumerHooks;
  readonly #started = performance.now();

  constructor(body: string, options: CallRunOptions, logger: LevelLogger, hooks: ConsumerHooks) {
    this.body = body;
    this.queueUrl = options.queueUrl;
    this.#options = options;
    this.#log = logger;
    this.#hooks = hooks;
  }

  subject(taken: Taken): string {
    return `call ${taken.jobId}`;
  }

  jobIdOf(envelope: Envelope): string {
    return envelope.id ?? this.fallbackId;
  }

  /** A call's trace travels in its envelope. */
  traceHeaders(): TraceHeaders {
    return {};
  }

  maxAttempts(): number {
    return 1;
  }

  canStart(timeoutMs: number): boolean {
    return this.#options.canStart?.(timeoutMs) !== false;
  }

  begin(tracking: JobTracking, job: HandledJob, delivery: TrackedDelivery): Promise<Begin> {
    return beginCall(tracking, job, delivery, this.#options);
  }

  async refuse(
    taken: Taken,
    reason: "poison" | "id-collision",
    error: unknown,
    beforeSettle: BeforeSettle,
  ): Promise<CallResponse> {
    await beforeSettle(reason);
    return callFailed(taken.jobId, error);
  }

  async unreadable(taken: Taken, error: unknown): Promise<CallResponse> {
    return callFailed(taken.jobId, error);
  }

  async notStarted(taken: Taken, job: HandledJob, why: NotStarted): Promise<CallResponse> {
    const { jobId } = taken;
    switch (why.kind) {
      case "no-time":
        return callFailed(jobId, new JobTimeoutError(job.name, job.timeoutSeconds));
      case "no-queue":
        return callNotStarted(
          jobId,
          `a call of job "${job.name}" is tracked under its consumer's queue, which is unknown: pass queueUrl to createSqsHandler or set ${ENV.queueUrl}`,
        );
      case "claim-failed": {
        const { message } = describeError(why.error);
        this.#log.warn("sqs-jobs could not reach the job ledger; the call is refused unstarted", {
          jobName: job.name,
          jobId,
          error: message,
        });
        return callNotStarted(jobId, `the job ledger could not be reached: ${message}`);
      }
      case "finished":
        return callNotStarted(jobId, `job ${jobId} is already ${why.status}`);
      case "wait":
        return callNotStarted(
          jobId,
          `${why.why} for the call's whole wait (${this.#options.waitMs} ms: its timeoutMs less the job's timeout and 1 s); call later, or with a larger timeoutMs`,
        );
    }
  }

  /** Never reached: a call without a ledger is on its first attempt. */
  async pastLastAttempt(): Promise<undefined> {
    return undefined;
  }

  /** Only the worker abandons runs, and calls come through the Lambda handler alone. */
  async abandoned({ jobId }: Taken): Promise<CallResponse> {
    const { name, message, code } = ABANDONED;
    return { ok: false, jobId, error: { name, message, code } };
  }

  /** A call cancelled while it ran answers as a failed one, with {@link JobCancelledError}. */
  async cancelled(taken: Taken, job: HandledJob): Promise<CallResponse> {
    return callFailed(taken.jobId, new JobCancelledError(job.name, taken.jobId));
  }

  succeeded(taken: Taken, resultJson: string | undefined): Promise<CallResponse> {
    return this.#answer(taken, "succeeded", undefined, resultJson);
  }

  /** A call's one attempt is final; the end is recorded before the caller is answered. */
  async failed(
    taken: Taken,
    _job: HandledJob,
    error: unknown,
    reason: DeadLetterReason | undefined,
    beforeSettle: BeforeSettle,
  ): Promise<CallResponse> {
    await beforeSettle(reason);
    return this.#answer(taken, "dead", error);
  }

  /** The call's log line and afterJob hook, then its answer. */
  async #answer(
    taken: Taken,
    // A call's one attempt is final: a failed one leaves the job dead, as the ledger says.
    outcome: Extract<JobOutcome, "succeeded" | "dead">,
    error: unknown,
    resultJson?: string,
  ): Promise<CallResponse> {
    const { jobName, jobId, attempt } = taken;
    const durationMs = performance.now() - this.#started;
    const failed = outcome === "dead";
    this.#log[failed ? "warn" : "info"](`job call ${failed ? "failed" : "succeeded"}`, {
      jobName,
      jobId,
      durationMs: Math.round(durationMs),
      ...(failed ? { error: describeError(error).message } : {}),
    });
    const info = {
      jobName,
      jobId,
      messageId: jobId,
      attempt,
      queueUrl: this.queueUrl ?? "",
      outcome,
      durationMs,
      error,
    };
    noteJobOutcome(info);
    await callHook(this.#hooks.afterJob, "afterJob", info, this.#log);
    return failed ? callFailed(jobId, error) : { ok: true, jobId, resultJson };
  }
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
