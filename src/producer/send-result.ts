import type { JobDefinition, JobResult } from "../core/job.ts";
import type { WaitOptions } from "./job-status.ts";

/** A job that reached its queue (or its schedule), or whose key a live job already holds. */
export interface SendResult {
  readonly jobId: string;
  readonly messageId: string;
  /**
   * True when a try of this job ended without an answer (a 5xx, a reset, a timeout): that try
   * may have stored the job too, so SQS may hold it twice. Consumers see jobs at least once
   * anyway; this says where a second copy may come from.
   */
  readonly possibleDuplicate: boolean;
  /**
   * True when the job's unique key (or, on a FIFO queue with a ledger, its deduplication id)
   * was held by a live job: nothing was sent, and `jobId` is that job's id (`messageId` is empty).
   */
  readonly deduplicated: boolean;
  /**
   * Sent for later through EventBridge Scheduler: the schedule's name (`messageId` is empty
   * until it fires). `cancel(jobId)` deletes it while it has not fired.
   */
  readonly scheduleName?: string;
  /** Sent for later: when the schedule fires (to the minute on AWS, within a second locally). */
  readonly scheduledAt?: Date;
}

/** A sent job: its ids, and its result once it has one (needs the job ledger). */
export interface SentJob<J extends JobDefinition> extends SendResult {
  /**
   * Waits for the job's result, polling the ledger: `jobs.waitFor(job, jobId, options)` for this job.
   * @throws {JobDeadError} the job is dead; `failure` says why
   * @throws {WaitTimeoutError} it did not finish within `timeoutMs`
   */
  waitFor(options?: WaitOptions): Promise<JobResult<J>>;
}

/** A job published to its topic: SNS took it, and every matching subscription gets a copy. */
export interface PublishResult {
  /** The published job's id; each queue's copy is the job `<queue>:<jobId>`. */
  readonly jobId: string;
  /** SNS's message id. */
  readonly messageId: string;
  /** True when a try ended without an answer: SNS may have taken it twice (see {@link SendResult}). */
  readonly possibleDuplicate: boolean;
}

/** A job that did not reach its queue for sure, or may have. */
interface SendFailure {
  readonly ok: false;
  readonly jobId: string;
  /** Payload-free reason, e.g. "ThrottlingException: Rate exceeded (after 6 tries)". */
  readonly error: string;
  /** True when a try may have reached SQS (or created the schedule) although none was acknowledged. */
  readonly possibleDuplicate: boolean;
}

/** One payload of a `sendBatch`: the {@link SendResult} of a sent job, or why it was not sent. */
export type SendBatchItemResult =
  | (SendResult & { readonly index: number; readonly ok: true })
  | (SendFailure & { readonly index: number });

export interface SendBatchResult {
  /** One result per payload, in input order. */
  readonly items: readonly SendBatchItemResult[];
  readonly succeeded: number;
  readonly failed: number;
  /**
   * What `onProgress` threw, if it did. Sending went on without calling it again, so a broken
   * progress bar never costs the results of jobs already sent.
   */
  readonly progressError?: unknown;
}

/**
 * What a deliver step says about one job, in the pipeline: a batch item, and for a failure the
 * error `send` throws (a batch of one turns its only failure back into that error).
 */
export type Delivered =
  | (SendResult & { readonly index: number; readonly ok: true })
  | (SendFailure & { readonly index: number; readonly cause: unknown });

/** One result per payload, in input order, and what `onProgress` threw if it did. */
export interface PipelineResult {
  readonly items: readonly Delivered[];
  readonly progressError?: unknown;
}

/** The result of a job its key's holder answered for: nothing sent, `heldBy` is the holder. */
export function deduplicatedOnto(index: number, heldBy: string): Delivered {
  return { index, ok: true, jobId: heldBy, messageId: "", possibleDuplicate: false, deduplicated: true };
}

/** A batch's items as the caller sees them: the pipeline's results without their thrown errors. */
export function toBatchResult(pipeline: PipelineResult): SendBatchResult {
  let succeeded = 0;
  const out = pipeline.items.map((item): SendBatchItemResult => {
    if (item.ok) {
      succeeded++;
      return item;
    }
    const { cause: _cause, ...failure } = item;
    return failure;
  });
  const result = { items: out, succeeded, failed: out.length - succeeded };
  return "progressError" in pipeline ? { ...result, progressError: pipeline.progressError } : result;
}
