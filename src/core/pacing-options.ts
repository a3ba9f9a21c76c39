import type { DebounceOptions, RateLimitOptions } from "./job.ts";
import { windowSecondsProblem } from "./window-seconds.ts";

const MAX_RATE_LIMIT = 10_000;
const MAX_RATE_WINDOW_SECONDS = 86_400;
/**
 * Starts per second one rate-limit key may allow: each start is a write to the key's one item,
 * and a DynamoDB partition takes 1,000 writes a second, throttled tries included.
 */
export const MAX_RATE_PER_SECOND = 500;

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
