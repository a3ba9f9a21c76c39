import { windowSecondsProblem } from "./window-seconds.ts";

/** A callback checked bivariantly, as job.ts's options are (a definition for a specific payload fits any). */
type PayloadFn<Input, R> = { bivarianceHack(payload: Input): R }["bivarianceHack"];

/**
 * At most `limit` runs of one key start in any `perSeconds` window, across every consumer. Starts
 * are spaced `perSeconds / limit` apart (docs/pacing.md says why); a job over the limit waits on
 * the queue for its turn, which costs it no attempt. Needs the job ledger.
 */
export interface RateLimitOptions<Payload> {
  /** @default one key for every run of the job */
  readonly key?: PayloadFn<Payload, string>;
  /** Runs started per window, 1 to 10,000. */
  readonly limit: number;
  /** The window, 1 to 86,400 seconds. */
  readonly perSeconds: number;
}

/**
 * Of the jobs sent with one key, only the last runs, once, `seconds` after it was sent (each send
 * restarts the wait); the others end `superseded`. Needs the job ledger.
 */
export interface DebounceOptions<Payload> {
  /** The key, from the validated payload. */
  readonly key: PayloadFn<Payload, string>;
  /** How long a key stays quiet before its last job runs, 1 s to 30 days (past 900 s through schedules). */
  readonly seconds: number;
}

const MAX_RATE_LIMIT = 10_000;
const MAX_RATE_WINDOW_SECONDS = 86_400;
/**
 * Starts per second one rate-limit key may allow: each start is a write to the key's one item,
 * and a DynamoDB partition takes 1,000 writes a second, throttled tries included.
 */
const MAX_RATE_PER_SECOND = 500;

/** Adds what is wrong with a job's `rateLimit` to `problems`. */
export function checkRateLimit(rateLimit: RateLimitOptions<never> | undefined, problems: string[]): void {
  if (rateLimit === undefined) return;
  if (rateLimit.key !== undefined && typeof rateLimit.key !== "function") {
    problems.push("rateLimit.key must be a function of the payload when given");
  }
  const { limit, perSeconds } = rateLimit;
  const limitOk = Number.isInteger(limit) && limit >= 1 && limit <= MAX_RATE_LIMIT;
  if (!limitOk) {
    problems.push(`rateLimit.limit must be an integer between 1 and 10,000, but ${limit} was provided`);
  }
  const windowOk = Number.isInteger(perSeconds) && perSeconds >= 1 && perSeconds <= MAX_RATE_WINDOW_SECONDS;
  if (!windowOk) {
    problems.push(
      `rateLimit.perSeconds must be an integer between 1 and 86,400 (a day), but ${perSeconds} was provided`,
    );
  }
  if (limitOk && windowOk && limit / perSeconds > MAX_RATE_PER_SECOND) {
    problems.push(
      `rateLimit allows at most ${MAX_RATE_PER_SECOND} starts a second per key (one DynamoDB item takes every start), but ${limit} per ${perSeconds} s was provided; split the key`,
    );
  }
}

/** Adds what is wrong with a job's `debounce` to `problems`. */
export function checkDebounce(
  debounce: DebounceOptions<never> | undefined,
  unique: unknown,
  problems: string[],
): void {
  if (debounce === undefined) return;
  if (typeof debounce.key !== "function") problems.push("debounce.key must be a function of the payload");
  const problem = windowSecondsProblem("debounce.seconds", debounce.seconds);
  if (problem !== undefined) problems.push(problem);
  // They would disagree on which job of a key runs.
  if (unique !== undefined) {
    problems.push(
      "debounce and unique cannot be combined: unique keeps the first job of a key, debounce the last",
    );
  }
}
