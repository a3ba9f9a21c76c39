import { QueueNotFoundError } from "./errors.ts";

interface AwsErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly $fault?: "client" | "server";
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function shape(error: unknown): AwsErrorShape {
  return typeof error === "object" && error !== null ? (error as AwsErrorShape) : {};
}

const QUEUE_MISSING = new Set(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"]);
const THROTTLED = new Set([
  "ThrottlingException",
  "Throttling",
  "RequestThrottled",
  "TooManyRequestsException",
  "KmsThrottled",
  "RequestLimitExceeded",
]);

/** Failures to connect at all (refused, name not found): the request never left, SQS did nothing. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

export function isQueueMissing(error: unknown): boolean {
  const e = shape(error);
  return QUEUE_MISSING.has(e.name ?? "") || QUEUE_MISSING.has(e.code ?? "");
}

/**
 * How a failed call may be retried. `throttled`: refused before any work, safe to repeat.
 * `unsent`: no connection was made (refused, name not found), so SQS did nothing; safe to repeat.
 * `ambiguous`: a 5xx, a reset or a timeout, where SQS may or may not have acted, so a repeat
 * can duplicate. `final`: the request itself is wrong; repeating cannot help.
 */
export type FailureKind = "throttled" | "unsent" | "ambiguous" | "final";

export function classifyFailure(error: unknown): FailureKind {
  const e = shape(error);
  if (THROTTLED.has(e.name ?? "") || THROTTLED.has(e.code ?? "")) return "throttled";
  const status = e.$metadata?.httpStatusCode;
  if (status === 429) return "throttled";
  if (e.$fault === "server" || (status !== undefined && status >= 500)) return "ambiguous";
  if (status === undefined && NOT_CONNECTED.has(e.code ?? "")) return "unsent";
  if (status === undefined) return "ambiguous"; // no HTTP answer: network error or timeout
  return "final";
}

/** Short, payload-free description of an AWS error for messages and results. */
export function describeAwsError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}

/** Turns "queue does not exist" into {@link QueueNotFoundError}; other errors pass through. */
export function queueMissingOr(error: unknown, queueUrl: string): unknown {
  return isQueueMissing(error) ? new QueueNotFoundError(queueUrl, { cause: error }) : error;
}
