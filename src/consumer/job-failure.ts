import { type DeadLetterReason, DLQ_ERROR_MESSAGE_MAX } from "../core/dead-letter-attributes.ts";
import type { JobFailure } from "../ledger/job-state.ts";
import { describeError, errorCode } from "./describe-error.ts";
import type { HandlerResult } from "./running-job.ts";

/**
 * Why a failed run's job is dead, or undefined while attempts are left: a result that failed its
 * schema or a PermanentError cannot be fixed by a retry; else the last attempt is exhausted.
 */
export function deadReason(
  result: HandlerResult,
  error: unknown,
  attempt: number,
  maxAttempts: number,
): DeadLetterReason | undefined {
  if (result.kind === "succeeded" || errorCode(error) === "ERR_PERMANENT") return "permanent";
  return attempt >= maxAttempts ? "exhausted" : undefined;
}

/** A failure as the ledger and a call's answer carry it: name, message and code, cut to size. */
export function failureOf(error: unknown): JobFailure {
  const { name, message } = describeError(error);
  const code = errorCode(error);
  return {
    reason: undefined,
    name: name.slice(0, 200),
    message: message.slice(0, DLQ_ERROR_MESSAGE_MAX),
    code: typeof code === "string" ? code.slice(0, 100) : undefined,
  };
}

/** What the ledger records when the worker stops before a run ends; the job runs again. */
export const ABANDONED: JobFailure = {
  reason: undefined,
  name: "Abandoned",
  message: "the consumer stopped before the run finished",
  code: undefined,
};
