import { classifyFailure, describeAwsError } from "../core/aws-errors.ts";
import type { CallEvent, CallResponse } from "../core/call-event.ts";
import { SqsJobsError } from "../core/errors.ts";
import type { JobDefinition, JobResult } from "../core/job.ts";
import type { LambdaConnect } from "../core/lambda-connect.ts";
import { LAMBDA_SYNC_INVOKE_MAX_BYTES } from "../core/lambda-limits.ts";
import { JobCancelledError, JobDeadError } from "../ledger/errors.ts";
import { parseResult } from "./job-status.ts";

export interface CallOptions {
  /**
   * Give up waiting after this long. The function may still run the job to its end. What it
   * leaves beyond the job's timeout and 1 s is how long the call may wait for a concurrency slot
   * of its key (9 s by default).
   * @default the job's timeout plus 10 s
   */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * The call did not come back with an answer from the job: the function could not be invoked
 * (throttled, not found, no permission), crashed, or the caller stopped waiting. `maybeRan` says
 * whether the job may have run anyway; it is never retried for you, so it never runs twice
 * because of sqs-jobs.
 */
export class CallError extends SqsJobsError {
  override readonly name: string = "CallError";
  readonly maybeRan: boolean;
  /** The call's job id: with a ledger, `getJob` says whether a call that `maybeRan` did run. */
  readonly jobId: string;

  constructor(message: string, options: { cause?: unknown; maybeRan: boolean; jobId: string }) {
    super("ERR_CALL", message, { cause: options.cause });
    this.maybeRan = options.maybeRan;
    this.jobId = options.jobId;
  }
}

/**
 * The consumer did not start the called job (`maybeRan` is false): every concurrency slot of its
 * key stayed taken for the call's wait, or the job ledger could not be reached. Calling again
 * later may run it.
 */
export class CallNotStartedError extends CallError {
  override readonly name: string = "CallNotStartedError";
  override readonly code = "ERR_CALL_NOT_STARTED" as const;

  constructor(message: string, jobId: string) {
    super(message, { maybeRan: false, jobId });
  }
}

/** Left of a call's timeoutMs for the answer to come back, beyond the job's own timeout. */
const ANSWER_MARGIN_MS = 1_000;

/**
 * Invokes the job's consumer function synchronously with the job's envelope and returns its
 * result. One invoke: the client must not retry (a retried invoke may run the job twice).
 * @throws {JobDeadError} the handler threw, timed out, or its result failed the result schema
 * @throws {JobCancelledError} the job was cancelled while it ran
 * @throws {CallError} no answer from the handler: see {@link CallError}
 */
export async function callJob<J extends JobDefinition>(
  lambda: LambdaConnect,
  functionName: string,
  job: J,
  jobId: string,
  body: string,
  options: CallOptions,
): Promise<JobResult<J>> {
  const timeoutMs = options.timeoutMs ?? job.timeoutSeconds * 1000 + 10_000;
  const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal === undefined ? [] : [options.signal])];
  // The consumer may wait for a slot as long as the run it then starts can still answer in time.
  const waitMs = Math.max(0, timeoutMs - job.timeoutSeconds * 1000 - ANSWER_MARGIN_MS);
  const event: CallEvent = { "sqs-jobs": "call", body, waitMs };
  const subject = `calling job "${job.name}" (${jobId}) on function ${functionName}`;
  const request = new TextEncoder().encode(JSON.stringify(event));
  if (request.byteLength > LAMBDA_SYNC_INVOKE_MAX_BYTES) {
    // Lambda would refuse it (413 RequestEntityTooLargeException) without running anything.
    throw new CallError(
      `${subject} failed: its Invoke request is ${request.byteLength} bytes, over Lambda's ${LAMBDA_SYNC_INVOKE_MAX_BYTES.toLocaleString("en-US")}-byte limit for a synchronous call; nothing was invoked (pass large data by reference, such as an S3 key)`,
      { maybeRan: false, jobId },
    );
  }
  const { client, sdk } = await lambda();
  let payload: Uint8Array | undefined;
  try {
    const out = await client.send(
      new sdk.InvokeCommand({
        FunctionName: functionName,
        InvocationType: "RequestResponse",
        Payload: request,
      }),
      { abortSignal: AbortSignal.any(signals) },
    );
    if (out.FunctionError !== undefined) {
      throw new CallError(
        `${subject} failed: the function crashed (${out.FunctionError}: ${readCrash(out.Payload)}); the job may have run in part`,
        { maybeRan: true, jobId },
      );
    }
    payload = out.Payload;
  } catch (error) {
    if (error instanceof CallError) throw error;
    const kind = classifyFailure(error);
    const maybeRan = kind === "ambiguous" || (error as { name?: unknown }).name === "AbortError";
    throw new CallError(
      `${subject} failed: ${describeAwsError(error)}${maybeRan ? "; the job may have run (no answer came back), so calling again may run it twice" : ""}`,
      { cause: error, maybeRan, jobId },
    );
  }
  const response = readResponse(payload);
  if (response === undefined) {
    throw new CallError(
      `${subject} failed: the function did not answer as an sqs-jobs consumer (is it built with createSqsHandler?)`,
      { maybeRan: true, jobId },
    );
  }
  if (!response.ok && response.started === false) {
    throw new CallNotStartedError(`${subject} did not start it: ${response.error.message}`, jobId);
  }
  if (!response.ok) {
    // A call cancelled while it ran (JobClient.cancel from elsewhere) did not fail.
    if (response.error.code === "ERR_JOB_CANCELLED") throw new JobCancelledError(job.name, jobId);
    throw new JobDeadError(job.name, jobId, { reason: undefined, ...response.error }, 1);
  }
  return (await parseResult(job, response.resultJson)) as JobResult<J>;
}

function readResponse(payload: Uint8Array | undefined): CallResponse | undefined {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(payload));
    if (typeof parsed !== "object" || parsed === null || typeof (parsed as { ok?: unknown }).ok !== "boolean")
      return undefined;
    return parsed as CallResponse;
  } catch {
    return undefined;
  }
}

/** Lambda's error payload for a crash names the error; only its type and message are shown. */
function readCrash(payload: Uint8Array | undefined): string {
  try {
    const { errorType, errorMessage } = JSON.parse(new TextDecoder().decode(payload)) as Record<
      string,
      unknown
    >;
    return `${String(errorType ?? "Error")}: ${String(errorMessage ?? "").slice(0, 500)}`;
  } catch {
    return "no details";
  }
}
