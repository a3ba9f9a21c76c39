import { describeAwsError } from "../core/aws-errors.ts";
import type { DeadLetterReason } from "../core/dead-letter-attributes.ts";
import { backoffSeconds, type ResolvedRetryPolicy } from "../core/retry.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import type { Batch, Settlement } from "./batch.ts";
import { bodyFits, sendToDeadLetter } from "./dead-letter.ts";
import { DeadLetterQueues } from "./dead-letter-queues.ts";
import type { BeforeSettle } from "./delivery.ts";
import { handBack } from "./hand-back.ts";
import { type ConsumerHooks, callHook, errorFields, type HookJobInfo, type JobOutcome } from "./hooks.ts";
import { noteJobOutcome } from "./job-span.ts";
import type { Wait } from "./job-tracking.ts";
import type { SqsRecord } from "./lambda-types.ts";
import type { LevelLogger } from "./logger.ts";
import { delayRetry } from "./visibility.ts";

/** One record's attempt, as the paths that end it need to know it. */
export interface Attempt {
  readonly record: SqsRecord;
  readonly batch: Batch;
  /** Undefined for poison that names no job we know. */
  readonly jobName: string | undefined;
  readonly jobId: string;
  readonly attempt: number;
  /** performance.now() when the record was taken up. */
  readonly started: number;
}

/**
 * Carries out how an attempt ends: the retry with backoff, the dead-letter path, and the one log
 * line, metric and afterJob hook per outcome. The batch core decides which.
 */
export class Outcomes {
  readonly #sqs: SqsConnect;
  readonly #log: LevelLogger;
  readonly #hooks: ConsumerHooks;
  /** Each queue's DLQ, and the DLQs' maximum message sizes, which dead-letter copies are fitted to. */
  readonly #dlqs: DeadLetterQueues;

  constructor(sqs: SqsConnect, logger: LevelLogger, hooks: ConsumerHooks) {
    this.#sqs = sqs;
    this.#log = logger;
    this.#hooks = hooks;
    this.#dlqs = new DeadLetterQueues(sqs);
  }

  async succeeded(a: Attempt): Promise<Settlement> {
    a.batch.settle(a.record, "delete");
    await this.#report(a, "succeeded");
    return "delete";
  }

  /** A cancel request stopped the run: the message goes, as a success's does. */
  async cancelled(a: Attempt): Promise<Settlement> {
    a.batch.settle(a.record, "delete");
    await this.#report(a, "cancelled");
    return "delete";
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
          ...this.#ids(a),
          error: describeAwsError(cause),
        },
      );
    }
    a.batch.settle(a.record, "keep");
    await callHook(
      this.#hooks.onFailure,
      "onFailure",
      { ...this.#info(a), error, backoffSeconds: delay, willRetry: true },
      this.#log,
    );
    await this.#report(a, "retrying", error);
    return "keep";
  }

  /**
   * Poison, permanent or out of attempts: the message goes to the DLQ with its reason, then is
   * deleted. If the send fails it stays on the queue (`keep`) and is tried again: nothing is lost.
   * A body that leaves no room for the reason goes bare (the job ledger, when on, keeps why). A
   * body the DLQ cannot take at all is returned at once (`release`) for SQS's redrive policy to
   * move: with a ledger, or on a standard queue, its next deliveries run no handler (dead in the
   * ledger, or past their last attempt); on FIFO without a ledger the receive count is the
   * attempt, so it runs until the policy moves it.
   *
   * `beforeSettle` records the end between the DLQ's copy and the delete: a consumer that dies
   * in between leaves the message, whose next delivery finds the job dead and finishes what was
   * left (the flow's count, the callback). A wait it answers hands the message back instead of
   * deleting it.
   */
  async deadLetter(
    a: Attempt,
    reason: DeadLetterReason,
    error: unknown,
    beforeSettle: BeforeSettle,
  ): Promise<Settlement> {
    const sent = await this.#sendToDeadLetter(a, reason, error);
    const failed = { ...this.#info(a), error, backoffSeconds: undefined, willRetry: false };
    if (sent.kind === "too-large") {
      // Dead all the same (the ledger keeps why); the message stays for the redrive policy, so a
      // later delivery finishes what this one could not.
      await beforeSettle(reason);
      a.batch.settle(a.record, "release");
      this.#log.error(tooLargeMessage(sent.maxBytes), { ...this.#ids(a), reason, ...errorFields(error) });
      await callHook(this.#hooks.onFailure, "onFailure", failed, this.#log);
      await this.#report(a, "handed-back", error);
      return "release";
    }
    if (sent.kind === "failed") {
      // The message comes back after its visibility timeout; the RedrivePolicy moves it once
      // maxReceiveCount is reached.
      await beforeSettle(undefined);
      a.batch.settle(a.record, "keep");
      this.#log.error(`sqs-jobs could not dead-letter a job; it stays on the queue (${sent.why})`, {
        ...this.#ids(a),
        reason,
        ...errorFields(error),
      });
      await callHook(this.#hooks.onFailure, "onFailure", failed, this.#log);
      await this.#report(a, "handed-back", error);
      return "keep";
    }
    const wait = await beforeSettle(reason);
    const settlement = wait === undefined ? this.#delete(a) : await this.#waitDead(a, wait);
    if (!sent.withReason) {
      this.#log.error(bareCopyMessage(sent.maxBytes), { ...this.#ids(a), reason, ...errorFields(error) });
    }
    await callHook(this.#hooks.onFailure, "onFailure", failed, this.#log);
    const info = { ...this.#info(a), reason, error, dlqUrl: sent.dlqUrl };
    await callHook(this.#hooks.onDeadLetter, "onDeadLetter", info, this.#log);
    await this.#report(a, "dead", error, reason);
    return settlement;
  }

  #delete(a: Attempt): Settlement {
    a.batch.settle(a.record, "delete");
    return "delete";
  }

  /**
   * A dead job whose end is not all recorded (its flow's count, its callback): its copy is in the
   * DLQ, and its message waits on the queue for the next delivery, which finds it dead and
   * finishes. It is dead all the same: reported so.
   */
  async #waitDead(a: Attempt, wait: Wait): Promise<Settlement> {
    this.#log.warn(
      `sqs-jobs dead-lettered a job, but ${wait.why}; its message waits ${wait.delaySeconds} s`,
      {
        ...this.#ids(a),
      },
    );
    return handBack(this.#sqs, this.#log, a, wait.delaySeconds);
  }

  /**
   * Whether a copy of the record can reach the DLQ, with its reason or bare (a DLQ that is not
   * known counts as yes: nothing can be told). False for a job the ledger says is dead means no
   * stray duplicate but the message itself, left for SQS's redrive policy.
   */
  async canDeadLetter(a: Attempt): Promise<boolean> {
    const dlq = await this.#deadLetterQueue(a);
    if (!("url" in dlq)) return true;
    if (bodyFits(a.record, dlq.maxBytes)) return true;
    this.#log.warn(tooLargeMessage(dlq.maxBytes), this.#ids(a));
    return false;
  }

  /** Where the copy went, or why it could not. */
  async #sendToDeadLetter(
    a: Attempt,
    reason: DeadLetterReason,
    error: unknown,
  ): Promise<
    | { kind: "sent"; dlqUrl: string; withReason: boolean; maxBytes: number }
    | { kind: "failed"; why: string }
    | { kind: "too-large"; maxBytes: number }
  > {
    const dlq = await this.#deadLetterQueue(a);
    if (!("url" in dlq)) return { kind: "failed", why: dlq.why };
    try {
      const sent = await sendToDeadLetter(this.#sqs, dlq, a.record, {
        reason,
        jobName: a.jobName,
        error,
        attempts: a.attempt,
        sourceQueueUrl: a.batch.queueUrl,
      });
      if (sent === "too-large") return { kind: "too-large", maxBytes: dlq.maxBytes };
      return { kind: "sent", dlqUrl: dlq.url, withReason: sent === "with-reason", maxBytes: dlq.maxBytes };
    } catch (cause) {
      return { kind: "failed", why: `sending to the dead-letter queue failed: ${describeAwsError(cause)}` };
    }
  }

  /** The batch's DLQ and its maximum message size, or why there is none. */
  async #deadLetterQueue(a: Attempt): Promise<{ url: string; maxBytes: number } | { why: string }> {
    let url: string | undefined;
    try {
      url = a.batch.dlqUrl ?? (await this.#dlqs.resolve(a.batch.queueUrl));
    } catch (cause) {
      return { why: `the dead-letter queue could not be found: ${describeAwsError(cause)}` };
    }
    if (url === undefined) {
      return {
        why: "no dead-letter queue is known: set dlqUrl, SQS_JOBS_DLQ_URL or the queue's RedrivePolicy",
      };
    }
    return { url, maxBytes: await this.#dlqs.maxMessageBytes(url) };
  }

  /** The one log line per job outcome, the metrics and the afterJob hook. */
  async #report(a: Attempt, outcome: JobOutcome, error?: unknown, reason?: DeadLetterReason): Promise<void> {
    const durationMs = this.#logAndCount(a, outcome, error, reason);
    const info = { ...this.#info(a), outcome, durationMs, error };
    noteJobOutcome(info);
    await callHook(this.#hooks.afterJob, "afterJob", info, this.#log);
  }

  /** The log line and the metrics of an outcome; returns the attempt's duration in ms. */
  #logAndCount(a: Attempt, outcome: JobOutcome, error?: unknown, reason?: DeadLetterReason): number {
    const durationMs = performance.now() - a.started;
    a.batch.metrics?.add(a.jobName, outcome, durationMs);
    const level =
      outcome === "succeeded" || outcome === "cancelled" ? "info" : outcome === "retrying" ? "warn" : "error";
    if (this.#log.enabled(level)) {
      this.#log[level](`job ${outcome}`, {
        ...this.#ids(a),
        outcome,
        durationMs: Math.round(durationMs * 1000) / 1000,
        ...(reason === undefined ? {} : { reason }),
        ...(outcome === "succeeded" || outcome === "cancelled" ? {} : errorFields(error)),
      });
    }
    return durationMs;
  }

  #ids(a: Attempt) {
    return { jobName: a.jobName, jobId: a.jobId, messageId: a.record.messageId, attempt: a.attempt };
  }

  #info(a: Attempt): HookJobInfo {
    return {
      jobName: a.jobName,
      jobId: a.jobId,
      messageId: a.record.messageId,
      attempt: a.attempt,
      queueUrl: a.batch.queueUrl,
    };
  }
}

function tooLargeMessage(maxBytes: number): string {
  return `sqs-jobs cannot dead-letter a job: its body is larger than the dead-letter queue's ${maxBytes} bytes; it is returned for the queue's redrive policy to move after maxReceiveCount receives; deliveries past its last attempt do not run it, and the job ledger, when on, keeps the reason`;
}

function bareCopyMessage(maxBytes: number): string {
  return `sqs-jobs dead-lettered a job without its reason attributes: its body leaves no room for them in the dead-letter queue's ${maxBytes} bytes; the job ledger, when on, keeps the reason (sqs-jobs dlq peek --table shows it)`;
}
