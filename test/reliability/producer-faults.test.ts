import { describe, expect, inject, it } from "vitest";
import { PRODUCER_RATES } from "./issue-rates.ts";
import { formatProducerTally, type ProducerScenario, runProducerScenario } from "./producer-scenario.ts";

/** 10% of SendMessageBatch calls throttled, 2% reset: half before SQS acts, half after. */

const scenarios: readonly ProducerScenario[] = [
  {
    name: "10k jobs, 10% throttled, 2% reset, retries within a call on",
    jobs: 10_000,
    rates: PRODUCER_RATES,
  },
  {
    name: "2k jobs, 10% throttled, 2% reset, retries within a call off",
    jobs: 2_000,
    rates: PRODUCER_RATES,
    sdkMaxAttempts: 1,
    seed: 11,
  },
  {
    name: "2k jobs, 5% 500, 5% 503, 3% reset after, up to 20 ms latency",
    jobs: 2_000,
    rates: { SendMessageBatch: { error500: 0.05, error503: 0.05, resetAfter: 0.03, latencyMs: 20 } },
    seed: 23,
  },
  {
    // So many faults that retries run out: the failed items must come back with their index, and
    // those SQS stored anyway must be flagged.
    name: "500 jobs, 50% throttled, 25% reset after, 2 retries only",
    jobs: 500,
    rates: { SendMessageBatch: { throttle: 0.5, resetAfter: 0.25 } },
    sdkMaxAttempts: 1,
    maxRetries: 2,
    seed: 5,
  },
];

describe("producer under faults", () => {
  it.each(scenarios)(
    "$name: every job acknowledged once or reported failed; no loss, no unreported duplicate",
    async (scenario) => {
      // Given a fault proxy between JobClient and SQS
      // When one sendBatch sends every job through it, and the queue is drained without faults
      const tally = await runProducerScenario(inject("sqsEndpoint"), scenario);
      console.log(formatProducerTally(tally));
      // Then every job has exactly one result, and the faults really happened
      expect(tally.acknowledged + tally.failed).toBe(tally.sent);
      const faults = Object.entries(tally.injected).filter(([kind]) => kind !== "forwarded");
      expect(faults.reduce((n, [, v]) => n + v, 0)).toBeGreaterThan(0);
      // And nothing acknowledged is missing, every acknowledged messageId is a stored copy
      expect(tally.lost).toBe(0);
      expect(tally.wrongMessageId).toBe(0);
      // And every job SQS holds twice (or holds although reported failed) is flagged possibleDuplicate
      expect(tally.duplicatedUnreported).toBe(0);
      expect(tally.arrived).toBeGreaterThanOrEqual(tally.acknowledged);
      expect(tally.failedWithoutIndex).toBe(0);
    },
    180_000,
  );
});
