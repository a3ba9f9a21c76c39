import type { DeadLetterReason } from "../core/dead-letter-attributes.ts";
import { describeError } from "./describe-error.ts";
import type { LevelLogger } from "./logger.ts";

/** The job a hook is called for. `jobName` is undefined for poison messages that name none. */
export interface HookJobInfo {
  readonly jobName: string | undefined;
  readonly jobId: string;
  readonly messageId: string;
  readonly attempt: number;
  readonly queueUrl: string;
}

/**
 * What the consumer made of a delivery (docs/glossary.md). `retrying`: the attempt failed and
 * another is planned after its backoff. `dead`: dead-lettered. `handed-back`: the job was due for
 * the DLQ but the DLQ could not take it (the send failed, or the body is too large for it): the
 * message is returned unchanged and comes back after its visibility timeout.
 */
export type JobOutcome = "succeeded" | "retrying" | "dead" | "handed-back" | "cancelled";

export interface AfterJobInfo extends HookJobInfo {
  readonly outcome: JobOutcome;
  readonly durationMs: number;
  readonly error: unknown;
}

export interface FailureInfo extends HookJobInfo {
  readonly error: unknown;
  /** Seconds until the retry, when one is planned. */
  readonly backoffSeconds: number | undefined;
  readonly willRetry: boolean;
}

export interface DeadLetterInfo extends HookJobInfo {
  readonly reason: DeadLetterReason;
  readonly error: unknown;
  readonly dlqUrl: string;
}

/**
 * Called around each job, for logging, tracing and metrics. A hook that throws or rejects is
 * logged and ignored: it never changes what happens to the message.
 */
export interface ConsumerHooks {
  /** Before the handler runs (after the payload passed its schema). */
  readonly beforeJob?: (info: HookJobInfo) => void | Promise<void>;
  /** After every record is decided, poison included. */
  readonly afterJob?: (info: AfterJobInfo) => void | Promise<void>;
  /** After a failed attempt (thrown error, timeout, poison). */
  readonly onFailure?: (info: FailureInfo) => void | Promise<void>;
  /** After a message was written to the DLQ. */
  readonly onDeadLetter?: (info: DeadLetterInfo) => void | Promise<void>;
}

/** Runs a hook; one that throws or rejects is logged and ignored. */
export async function callHook<T>(
  hook: ((info: T) => void | Promise<void>) | undefined,
  name: string,
  info: T,
  logger: LevelLogger,
): Promise<void> {
  if (hook === undefined) return;
  try {
    await hook(info);
  } catch (error) {
    logger.error(`sqs-jobs hook ${name} threw; ignored`, errorFields(error));
  }
}

/** The error fields of a log line: never throws, whatever was thrown. */
export function errorFields(error: unknown): { errorName: string; errorMessage: string } {
  const { name, message } = describeError(error);
  return { errorName: name.slice(0, 256), errorMessage: message.slice(0, 1_000) };
}
