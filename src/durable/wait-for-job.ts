import { callbackErrorDataOf } from "../core/callback-error-data.ts";
import { SqsJobsError } from "../core/errors.ts";
import type { JobDefinition, JobInput, JobResult } from "../core/job.ts";
import { DURABLE_CALLBACK_RESULT_MAX_BYTES } from "../core/lambda-limits.ts";
import { JobDeadError } from "../ledger/errors.ts";
import type { JobClient } from "../producer/job-client.ts";
import { parseResult } from "../producer/job-status.ts";
import type { SendOptions } from "../producer/message.ts";

/** A durable wait's length, as the durable execution SDK spells it (`{ minutes: 30 }`). */
export type DurableDuration =
  | { readonly days: number; readonly hours?: number; readonly minutes?: number; readonly seconds?: number }
  | { readonly hours: number; readonly minutes?: number; readonly seconds?: number }
  | { readonly minutes: number; readonly seconds?: number }
  | { readonly seconds: number };

/**
 * The part of `@aws/durable-execution-sdk-js`'s `DurableContext` that {@link waitForJob} uses,
 * typed by its shape, so sqs-jobs does not depend on the SDK: pass the context your durable
 * handler receives.
 */
export interface DurableWaitContext {
  waitForCallback<T>(
    name: string | undefined,
    submitter: (callbackId: string) => Promise<void>,
    config?: {
      timeout?: DurableDuration;
      serdes?: { deserialize: (data: string | undefined) => Promise<T | undefined> };
    },
  ): PromiseLike<T>;
}

export interface WaitForJobOptions extends Omit<SendOptions, "callbackId"> {
  /** The durable operation's name in the execution's history. @default the job's name */
  readonly name?: string;
  /**
   * How long the durable function waits before the wait fails with the SDK's
   * `CallbackTimeoutError` (the job goes on; its completion is then answered "already closed").
   * @default none: it waits as long as the execution may run (up to a year)
   */
  readonly timeout?: DurableDuration;
}

/** The result left the ledger larger than a durable callback carries (256 KiB): read it with `getJob`. */
export class CallbackResultTooLargeError extends SqsJobsError {
  override readonly name: string = "CallbackResultTooLargeError";
  readonly jobId: string;
  readonly bytes: number;

  constructor(jobName: string, jobId: string, bytes: number) {
    super(
      "ERR_CALLBACK_RESULT_TOO_LARGE",
      `job "${jobName}" (${jobId}) succeeded, but its result is ${bytes} bytes of JSON, above the ${DURABLE_CALLBACK_RESULT_MAX_BYTES.toLocaleString("en-US")} a durable callback carries; read it with getJob`,
    );
    this.jobId = jobId;
    this.bytes = bytes;
  }
}

/**
 * Inside a Lambda durable function: sends a job that carries the callback `waitForCallback`
 * makes, and suspends the function, with no compute, until the job is done; the consumer
 * completes the callback when the ledger records the job's final state (docs/durable.md). The
 * consumer needs the job ledger and `lambda:SendDurableExecutionCallback*` on this function
 * (`JobQueue.grantCompleteCallbacks`).
 *
 * @returns the job's result, through its `result` schema (undefined for a job without one)
 * @throws {JobDeadError} the job is dead; `failure` says why
 * @throws {CallbackResultTooLargeError} the job succeeded with a result over 256 KiB
 * @throws the SDK's `CallbackTimeoutError` when `timeout` passed first, and what `send` throws
 *   (as the SDK's `CallbackSubmitterError`, once its retries of the send are spent)
 * @example
 * export const handler = withDurableExecution(async (event: { key: string }, ctx) => {
 *   const { thumbnail } = await waitForJob(ctx, jobs, resizeImage, { key: event.key, width: 200 });
 *   return thumbnail;
 * });
 */
export async function waitForJob<J extends JobDefinition>(
  durable: DurableWaitContext,
  client: JobClient,
  job: J,
  payload: JobInput<J>,
  options: WaitForJobOptions = {},
): Promise<JobResult<J>> {
  const { name, timeout, ...send } = options;
  let resultJson: string | undefined;
  try {
    resultJson = await durable.waitForCallback<string>(
      name ?? job.name,
      async (callbackId) => {
        // A retried submit (its checkpoint lost) sends a second job with the same callback: the
        // first to end completes it, the other's completion is answered "already closed".
        await client.send(job, payload, { ...send, callbackId });
      },
      {
        ...(timeout === undefined ? {} : { timeout }),
        // The result as the consumer sent it: JSON, parsed below through the job's result schema.
        serdes: { deserialize: async (data) => data },
      },
    );
  } catch (error) {
    const data = callbackErrorDataOf(error);
    if (data?.sqsJobs === "dead")
      throw new JobDeadError(data.jobName, data.jobId, data.failure, data.attempts);
    if (data?.sqsJobs === "result-too-large")
      throw new CallbackResultTooLargeError(data.jobName, data.jobId, data.bytes);
    throw error;
  }
  return (await parseResult(job, resultJson)) as JobResult<J>;
}
