import { describe, expect, it } from "vitest";
import { backoffSeconds, DEFAULT_RETRY, exponentialBackoff } from "../../src/core/retry.ts";

describe("backoffSeconds", () => {
  it("doubles from the base with equal jitter: between half and all of the nominal delay", () => {
    for (const [attempt, nominal] of [
      [1, 2],
      [2, 4],
      [3, 8],
      [4, 16],
    ] as const) {
      expect(backoffSeconds(DEFAULT_RETRY, attempt, () => 0)).toBe(nominal / 2);
      expect(backoffSeconds(DEFAULT_RETRY, attempt, () => 0.999_999)).toBe(nominal);
    }
  });

  it("caps at maxSeconds", () => {
    expect(backoffSeconds(DEFAULT_RETRY, 30, () => 0.999_999)).toBe(900);
  });

  it("uses a fixed delay when asked", () => {
    expect(backoffSeconds({ maxAttempts: 3, backoff: { type: "fixed", seconds: 7 } }, 3)).toBe(7);
  });
});

describe("exponentialBackoff", () => {
  it("keeps the caller's unit: half the nominal delay fixed, half random, capped at max", () => {
    const ms = { base: 100, max: 5_000 };
    expect(exponentialBackoff(ms, 1, () => 0)).toBe(50);
    expect(exponentialBackoff(ms, 1, () => 0.5)).toBe(75);
    expect(exponentialBackoff(ms, 3, () => 0)).toBe(200);
    expect(exponentialBackoff(ms, 20, () => 1)).toBe(5_000);
    expect(exponentialBackoff(ms, 20, () => 0)).toBe(2_500);
  });
});
