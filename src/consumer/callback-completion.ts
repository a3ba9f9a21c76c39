import type * as LambdaSdk from "@aws-sdk/client-lambda";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { classifyFailure, describeAwsError } from "../core/aws-errors.ts";
import type { CallbackErrorData } from "../core/callback-error-data.ts";
import { type LambdaConnect, lazyLambda } from "../core/lambda-connect.ts";
import { DURABLE_CALLBACK_RESULT_MAX_BYTES } from "../core/lambda-limits.ts";
import { JobDeadError } from "../ledger/errors.ts";
import type { StoredJob } from "../ledger/stored-job.ts";
import type { Taken } from "./delivery.ts";
import { describeError } from "./describe-error.ts";
import { failureOf } from "./job-failure.ts";
import type { Wait } from "./job-tracking.ts";
import type { LevelLogger } from "./logger.ts";

/** The `ErrorType` of a completion for a dead job. */
const DEAD_JOB = "JobDeadError";
/** The `ErrorType` of a completion for a job whose result is too large for a callback. */
const RESULT_TOO_LARGE = "JobResultTooLargeError";

/** A dead job, as its completion reports it. */
type DeadJob = Omit<Extract<CallbackErrorData, { sqsJobs: "dead" }>, "sqsJobs">;

/** How the job ended, as a completion reports it. */
export type CallbackEnd =
  | {
      readonly status: "succeeded";
      readonly jobName: string;
      readonly jobId: string;
      readonly resultJson: string | undefined;
    }
  | ({ readonly status: "dead" } & DeadJob);

/**
 * Lambda's answers that mean the callback needs nothing more from us: it is closed already (an
 * earlier completion of ours, its timeout, or its execution ended) or it no longer exists.
 */
const CLOSED = new Set(["CallbackTimeoutException", "ResourceNotFoundException"]);

/**
 * Completes durable functions' callbacks for jobs that carry a callback id. The SDK client tries a
 * throttled or failed call again with backoff (5 tries); what still fails is reported as not done,
 * and the caller leaves the job's message for a later delivery to complete from the ledger.
 */
export class CallbackCompletion {
  readonly #connect: LambdaConnect;
  readonly #log: LevelLogger;

  constructor(client: LambdaClient | undefined, logger: LevelLogger) {
    this.#log = logger;
    this.#connect = lazyLambda(client, { maxAttempts: 5 });
  }

  /**
   * Completes the callback of a job the ledger says is finished, from its entry: a repeat is
   * answered "already closed". True also when there is nothing to complete; false when the
   * ledger read or the completion failed.
   */
  async completeFromLedger(callbackId: string, read: () => Promise<StoredJob | undefined>): Promise<boolean> {
    let end: CallbackEnd | undefined;
    try {
      end = finishedEnd(await read());
    } catch (error) {
      this.#log.warn("sqs-jobs could not read a finished job to complete its durable callback", {
        error: describeError(error).message,
      });
      return false;
    }
    return end === undefined || (await this.complete(callbackId, end));
  }

  /**
   * The callback of a message refused before its claim (poison, another job's id): dead with that
   * reason. A refused message stays refused, so this never races a later success.
   */
  completeRefused(
    callbackId: string,
    { jobName = "", jobId, attempt: attempts }: Taken,
    reason: "poison" | "id-collision",
    error: unknown,
  ): Promise<boolean> {
    const failure = { ...failureOf(error), reason };
    return this.complete(callbackId, { status: "dead", jobName, jobId, attempts, failure });
  }

  /**
   * Completes the callback with how the job ended. True when the callback is complete (now, or
   * already: a repeat is answered "already closed"); false when Lambda could not be reached or
   * refused for a reason that may pass (throttling past the retries, a 5xx, a network failure,
   * missing permissions).
   */
  async complete(callbackId: string, end: CallbackEnd): Promise<boolean> {
    const ids = { jobName: end.jobName, jobId: end.jobId };
    try {
      const { client, sdk } = await this.#connect();
      // Lambda runtimes ship their own @aws-sdk (the consumer's bundle leaves it out): one older
      // than durable functions (December 2025) lacks these commands.
      if (typeof sdk.SendDurableExecutionCallbackSuccessCommand !== "function") {
        this.#log.error(
          "sqs-jobs cannot complete a durable callback: the @aws-sdk/client-lambda this consumer loaded predates durable functions; bundle a newer one with it",
          ids,
        );
        return false;
      }
      await client.send(
        end.status === "dead"
          ? new sdk.SendDurableExecutionCallbackFailureCommand({
              CallbackId: callbackId,
              Error: deadError(end),
            })
          : successOrTooLarge(sdk, callbackId, end),
      );
      this.#log.debug("sqs-jobs completed a durable callback", { ...ids, status: end.status });
      return true;
    } catch (error) {
      const name = (error as { name?: unknown } | undefined)?.name;
      if (typeof name === "string" && CLOSED.has(name)) {
        this.#log.debug("sqs-jobs: the durable callback was closed already", { ...ids, answer: name });
        return true;
      }
      if (classifyFailure(error) === "final" && name === "InvalidParameterValueException") {
        // Lambda refuses the request itself: trying it again cannot help, so it is not retried.
        this.#log.error("sqs-jobs: Lambda refused a durable callback's completion; it is not tried again", {
          ...ids,
          error: describeAwsError(error),
        });
        return true;
      }
      this.#log.warn(
        "sqs-jobs could not complete a durable callback; the next delivery of the job, if one comes, tries again",
        {
          ...ids,
          error: describeAwsError(error),
        },
      );
      return false;
    }
  }
}

function successOrTooLarge(
  sdk: typeof LambdaSdk,
  callbackId: string,
  end: Extract<CallbackEnd, { status: "succeeded" }>,
):
  | LambdaSdk.SendDurableExecutionCallbackSuccessCommand
  | LambdaSdk.SendDurableExecutionCallbackFailureCommand {
  const result = end.resultJson === undefined ? undefined : Buffer.from(end.resultJson);
  if (result === undefined || result.byteLength <= DURABLE_CALLBACK_RESULT_MAX_BYTES) {
    return new sdk.SendDurableExecutionCallbackSuccessCommand({
      CallbackId: callbackId,
      ...(result === undefined ? {} : { Result: result }),
    });
  }
  return new sdk.SendDurableExecutionCallbackFailureCommand({
    CallbackId: callbackId,
    Error: {
      ErrorType: RESULT_TOO_LARGE,
      ErrorMessage: `job "${end.jobName}" (${end.jobId}) succeeded, but its result is ${result.byteLength} bytes of JSON, above the ${DURABLE_CALLBACK_RESULT_MAX_BYTES} a durable callback carries; read it with getJob`,
      ErrorData: JSON.stringify({
        sqsJobs: "result-too-large",
        jobName: end.jobName,
        jobId: end.jobId,
        bytes: result.byteLength,
      } satisfies CallbackErrorData),
    },
  });
}

function deadError(end: DeadJob): LambdaSdk.ErrorObject {
  const { jobName, jobId, attempts, failure } = end;
  return {
    ErrorType: DEAD_JOB,
    ErrorMessage: new JobDeadError(jobName, jobId, failure, attempts).message,
    ErrorData: JSON.stringify({
      sqsJobs: "dead",
      jobName,
      jobId,
      attempts,
      failure,
    } satisfies CallbackErrorData),
  };
}

/**
 * How a finished job's entry completes its callback; undefined when there is nothing to complete
 * (no entry, a skipped run, or a dead job redriven and running again: its next end completes it).
 */
function finishedEnd(stored: StoredJob | undefined): CallbackEnd | undefined {
  if (stored === undefined) return undefined;
  const { jobName, jobId, attempts, failure } = stored;
  if (stored.status === "succeeded")
    return { status: "succeeded", jobName, jobId, resultJson: stored.resultJson };
  if (stored.status === "dead" && failure !== undefined)
    return { status: "dead", jobName, jobId, attempts, failure };
  return undefined;
}

/**
 * A job whose callback could not be completed goes back on the queue for this long, at no
 * attempt: its next delivery finds it finished in the ledger and completes the callback then.
 */
export const completionPending: Wait = {
  kind: "wait",
  delaySeconds: 30,
  why: "its durable callback could not be completed yet",
};
