import { classifyFailure } from "../../core/aws-errors.ts";

/**
 * The AWS SDK's standard retry mode, as @smithy/core 3.41 implements it (util-retry and
 * service-error-classification): which errors are retried, how long to wait, and a retry quota
 * that stops retry storms when SQS is down.
 */
export type RetryKind = "throttling" | "transient";

const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const TRANSIENT_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

interface ErrorFields {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** Whether one attempt's failure is worth another attempt, and of which kind. */
export function retryKind(error: unknown): RetryKind | undefined {
  if (classifyFailure(error) === "throttled") return "throttling";
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as ErrorFields;
  if (TRANSIENT_STATUS.has(e.$metadata?.httpStatusCode ?? 0)) return "transient";
  if (typeof e.name === "string" && TRANSIENT_NAMES.has(e.name)) return "transient";
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return "transient";
  return undefined;
}

const BASE_DELAY_MS = { throttling: 1_000, transient: 50 } as const;
const MAX_DELAY_MS = 20_000;

/** Exponential backoff with full jitter; `retry` is 0 before the first retry. */
export function retryDelayMs(kind: RetryKind, retry: number): number {
  return Math.floor(Math.random() * Math.min(BASE_DELAY_MS[kind] * 2 ** retry, MAX_DELAY_MS));
}

const INITIAL_TOKENS = 500;
const COST = { throttling: 5, transient: 14 } as const;

/**
 * The SDK's retry quota, one per transport as the SDK has one per client: every retry spends
 * tokens, every success gives some back; when the bucket is empty, failures are not retried.
 */
export class RetryQuota {
  #tokens = INITIAL_TOKENS;

  /** Takes the cost of one retry; undefined when the quota is spent. */
  take(kind: RetryKind): number | undefined {
    const cost = COST[kind];
    if (this.#tokens < cost) return undefined;
    this.#tokens -= cost;
    return cost;
  }

  /** A call succeeded: give back what its last retry cost, or 1 if it needed none. */
  succeeded(lastCost: number | undefined): void {
    this.#tokens = Math.min(INITIAL_TOKENS, this.#tokens + (lastCost ?? 1));
  }
}
