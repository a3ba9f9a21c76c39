import type { JobDefinition, JobPayload, JobResultInput } from "../core/job.ts";
import type { Logger } from "./logger.ts";

/** What a handler knows about the job it runs. */
export interface JobContext {
  /** The envelope's job id (stable across retries: use it for idempotency), else the message id. */
  readonly jobId: string;
  readonly jobName: string;
  /**
   * This attempt's number, from 1: the handler's runs of this job so far plus one (the job
   * ledger counts them, else the consumer does from the message). Not SQS's receive count: a
   * delivery that runs nothing costs no attempt, except on a FIFO queue without a ledger
   * (docs/guarantees.md).
   */
  readonly attempt: number;
  /** The job's `retry.maxAttempts`. */
  readonly maxAttempts: number;
  readonly messageId: string;
  /** When the producer enqueued the job (the envelope's `enqueuedAt`, else SQS's SentTimestamp). */
  readonly enqueuedAt: Date;
  /** The consumer's logger, with `jobName`, `jobId`, `messageId` and `attempt` on every line. */
  readonly logger: Logger;
  /**
   * Aborts when the job's `timeoutSeconds` is reached (or the worker gives up on shutdown). The
   * attempt then fails with `JobTimeoutError` and the handler's promise is abandoned: pass the
   * signal to `fetch` and the AWS SDK, and check it in loops.
   */
  readonly signal: AbortSignal;
  /** The queue the job was read from. */
  readonly queueUrl: string;
}

/** The job-level fields every handler binding carries, whatever its payload type. */
export type HandledJob = Pick<
  JobDefinition,
  | "name"
  | "schema"
  | "retry"
  | "timeoutSeconds"
  | "includeIssueMessages"
  | "result"
  | "unique"
  | "concurrency"
  | "rateLimit"
  | "debounce"
  | "payloads"
>;

/** A handler bound to its job by {@link handle}; pass a list of them to a consumer. */
export interface JobHandler {
  readonly job: HandledJob;
  /** Runs the handler on a payload that already passed the job's schema. */
  readonly run: (payload: unknown, ctx: JobContext) => unknown;
}

/**
 * Binds a handler to a job. The payload is typed by the job's schema (its output, after
 * defaults and transforms) and has been validated before the handler runs.
 *
 * @example
 * export const handler = createSqsHandler([
 *   handle(resizeImage, async (payload, ctx) => {
 *     await resize(payload.key, payload.width, { signal: ctx.signal });
 *   }),
 * ]);
 */
export function handle<J extends JobDefinition>(
  job: J,
  handler: (payload: JobPayload<J>, ctx: JobContext) => Promise<JobResultInput<J>> | JobResultInput<J>,
): JobHandler {
  // The consumer only calls `run` with the output of `job.schema`, which is JobPayload<J>.
  return Object.freeze({ job, run: handler as (payload: unknown, ctx: JobContext) => unknown });
}
