import { describeAwsError } from "../core/aws-errors.ts";
import type { DeadLetterReason } from "../core/dead-letter-attributes.ts";
import { backoffSeconds, type ResolvedRetryPolicy } from "../core/retry.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import type { BatchRun, Settlement } from "./batch-run.ts";
import { sendToDeadLetter } from "./dead-letter.ts";
import { type ConsumerHooks, callHook, errorFields, type JobOutcome } from "./hooks.ts";
import type { SqsRecord } from "./lambda-types.ts";
import type { LevelLogger } from "./logger.ts";
import { delayRetry } from "./visibility.ts";

/** One record's attempt, as the paths that end it need to know it. */
export interface Attempt {
  readonly record: SqsRecord;
  readonly batch: BatchRun;
  /** Undefined for poison that names no job we know. */
  readonly jobName: string | undefined;
  readonly jobId: string;
  readonly attempt: number;
  /** performance.now() when the record was taken up. */
  readonly started: number;
}

/**
 * How an attempt ends: the retry with backoff, the dead-letter path, and the one log line,
 * metric and afterJob hook per outcome. The batch core decides; this carries the decision out.
 */
export class Outcomes {
  readonly #sqs: SqsConnect;
  readonly #log: LevelLogger;
  readonly #hooks: ConsumerHooks;

  constructor(sqs: SqsConnect, logger: LevelLogger, hooks: ConsumerHooks) {
    this.#sqs = sqs;
    this.#log = logger;
    this.#hooks = hooks;
  }

  /** Failed with attempts left: the message returns after the backoff for this attempt. */
  async retry(a: Attempt, retry: ResolvedRetryPolicy, error: unknown): Promise<Settlement> {
    const delay = backoffSeconds(retry, a.attempt);
    try {
      await delayRetry(this.#sqs, a.batch.queueUrl, a.record.receiptHandle, delay);
    } catch (cause) {
      this.#log.warn(
        "sqs-jobs could not set the retry backoff; the job returns after its visibility timeout",
        {
          job: a.jobName,
          jobId: a.jobId,
          messageId: a.record.messageId,
          error: describeAwsError(cause),
        },
      );
    }
    a.batch.settle(a.record, "keep");
    await this.#failed(a, error, delay);
    await this.report(a, "retrying", error);
    return "keep";
  }

  /**
   * Poison, permanent or out of attempts: the message goes to the DLQ with its reason, then is
   * deleted. If that cannot happen it stays on the queue (`keep`): nothing is lost.
   */
  async deadLetter(a: Attempt, reason: DeadLetterReason, error: unknown): Promise<Settlement> {
    let dlqUrl: string | undefined;
    try {
      dlqUrl = await a.batch.dlqUrl();
    } catch (cause) {
      this.#log.error("sqs-jobs could not find the dead-letter queue", {
        queueUrl: a.batch.queueUrl,
        error: describeAwsError(cause),
      });
    }
    let failure: string | undefined;
    if (dlqUrl === undefined) {
      failure = "no dead-letter queue is known: set dlqUrl, SQS_JOBS_DLQ_URL or the queue's RedrivePolicy";
    } else {
      try {
        await sendToDeadLetter(this.#sqs, dlqUrl, a.record, {
          reason,
          jobName: a.jobName,
          error,
          attempts: a.attempt,
          sourceQueueUrl: a.batch.queueUrl,
        });
      } catch (cause) {
        failure = `sending to the dead-letter queue failed: ${describeAwsError(cause)}`;
      }
    }
    if (failure !== undefined) {
      // Nothing is lost: the message stays on the source queue and comes back after its
      // visibility timeout; the RedrivePolicy moves it once maxReceiveCount is reached.
      a.batch.settle(a.record, "keep");
      this.#log.error(`sqs-jobs could not dead-letter a job; it stays on the queue (${failure})`, {
        job: a.jobName,
        jobId: a.jobId,
        messageId: a.record.messageId,
        attempt: a.attempt,
        reason,
        ...errorFields(error),
      });
      await this.#failed(a, error, undefined);
      await this.report(a, "failed", error);
      return "keep";
    }
    a.batch.settle(a.record, "delete");
    await this.#failed(a, error, undefined);
    await callHook(
      this.#hooks.onDeadLetter,
      "onDeadLetter",
      { ...this.#info(a), reason, error, dlqUrl: dlqUrl as string },
      this.#log,
    );
    await this.report(a, "dead-lettered", error, reason);
    return "delete";
  }

  /** The one log line per job outcome, the metrics and the afterJob hook; sync unless the hook is not. */
  report(a: Attempt, outcome: JobOutcome, error?: unknown, reason?: DeadLetterReason): void | Promise<void> {
    const level = outcome === "succeeded" ? "info" : outcome === "retrying" ? "warn" : "error";
    const logged = this.#log.enabled(level);
    // The clock is read here only for a line or a hook; metrics take the next reading (see BatchMetrics).
    const endedAt = logged || this.#hooks.afterJob !== undefined ? performance.now() : undefined;
    const durationMs = endedAt === undefined ? 0 : endedAt - a.started;
    a.batch.metrics?.add(a.jobName, outcome, a.started, endedAt);
    if (logged) {
      const fields: Record<string, unknown> = {
        job: a.jobName,
        jobId: a.jobId,
        messageId: a.record.messageId,
        attempt: a.attempt,
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
      { ...this.#info(a), outcome, durationMs, error },
      this.#log,
    );
  }

  #failed(a: Attempt, error: unknown, backoff: number | undefined): void | Promise<void> {
    if (this.#hooks.onFailure === undefined) return;
    return callHook(
      this.#hooks.onFailure,
      "onFailure",
      { ...this.#info(a), error, backoffSeconds: backoff, willRetry: backoff !== undefined },
      this.#log,
    );
  }

  #info(a: Attempt) {
    return {
      jobName: a.jobName,
      jobId: a.jobId,
      messageId: a.record.messageId,
      attempt: a.attempt,
      queueUrl: a.batch.queueUrl,
    };
  }
}
