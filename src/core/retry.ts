import { ConfigError } from "./errors.ts";

/** SQS refuses a visibility timeout above 12 hours, so no backoff can be longer. */
export const MAX_VISIBILITY_SECONDS = 43_200;

export type BackoffPolicy =
  | {
      readonly type: "exponential";
      /** Delay before the second attempt; doubles with each attempt. @default 2 */
      readonly baseSeconds?: number;
      /** Upper bound for one delay. @default 900 (15 minutes) */
      readonly maxSeconds?: number;
    }
  | {
      readonly type: "fixed";
      /** Delay before every retry. */
      readonly seconds: number;
    };

export interface RetryPolicy {
  /** Attempts in all, the first included. 1 means never retry. @default 5 */
  readonly maxAttempts?: number;
  /** How long a failed job waits before its next attempt. @default exponential, 2 s base, 15 min cap */
  readonly backoff?: BackoffPolicy;
}

export interface ResolvedRetryPolicy {
  readonly maxAttempts: number;
  readonly backoff: Required<BackoffPolicy>;
}

export const DEFAULT_RETRY: ResolvedRetryPolicy = {
  maxAttempts: 5,
  backoff: { type: "exponential", baseSeconds: 2, maxSeconds: 900 },
};

function checkSeconds(problems: string[], field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min || value > MAX_VISIBILITY_SECONDS) {
    problems.push(
      `${field} must be an integer between ${min} and ${MAX_VISIBILITY_SECONDS} seconds, but ${value} was provided`,
    );
  }
}

/** Fills defaults and reports every invalid field at once. */
export function resolveRetryPolicy(policy: RetryPolicy | undefined, problems: string[]): ResolvedRetryPolicy {
  const maxAttempts = policy?.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
    problems.push(`retry.maxAttempts must be an integer between 1 and 100, but ${maxAttempts} was provided`);
  }
  const given = policy?.backoff;
  if (given === undefined) return { maxAttempts, backoff: DEFAULT_RETRY.backoff };
  if (given.type === "fixed") {
    checkSeconds(problems, "retry.backoff.seconds", given.seconds, 0);
    return { maxAttempts, backoff: given };
  }
  const baseSeconds = given.baseSeconds ?? 2;
  const maxSeconds = given.maxSeconds ?? 900;
  checkSeconds(problems, "retry.backoff.baseSeconds", baseSeconds, 0);
  checkSeconds(problems, "retry.backoff.maxSeconds", maxSeconds, 0);
  if (maxSeconds < baseSeconds) {
    problems.push(`retry.backoff.maxSeconds (${maxSeconds}) must not be below baseSeconds (${baseSeconds})`);
  }
  return { maxAttempts, backoff: { type: "exponential", baseSeconds, maxSeconds } };
}

/** How one backoff grows; the unit is the caller's (seconds for jobs, ms for requests). */
export interface ExponentialBackoff {
  /** Nominal delay after the first failure; doubles with each further failure. */
  readonly base: number;
  /** Upper bound for the nominal delay. */
  readonly max: number;
}

/**
 * The delay after failure number `failures` (1-based), with "equal jitter": the nominal delay is
 * `base * 2^(failures - 1)` capped at `max`; half of it is fixed and half is random, so retries of
 * calls or jobs that failed together spread out but never come back sooner than half the nominal
 * delay. The one backoff of sqs-jobs: jobs, send requests and the worker's receive loop use it.
 */
export function exponentialBackoff(
  backoff: ExponentialBackoff,
  failures: number,
  random: () => number = Math.random,
): number {
  const nominal = Math.min(backoff.max, backoff.base * 2 ** Math.max(0, failures - 1));
  const half = nominal / 2;
  return half + random() * half;
}

/** Whole seconds to wait after failed attempt `attempt` (1-based) under a job's retry policy. */
export function backoffSeconds(
  policy: ResolvedRetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const backoff = policy.backoff;
  if (backoff.type === "fixed") return backoff.seconds;
  const delay = exponentialBackoff({ base: backoff.baseSeconds, max: backoff.maxSeconds }, attempt, random);
  return Math.min(MAX_VISIBILITY_SECONDS, Math.round(delay));
}

export function assertNoProblems(subject: string, problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new ConfigError(`${subject} is invalid:\n  - ${problems.join("\n  - ")}`);
  }
}
