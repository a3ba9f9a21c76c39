import { describe, expect, inject, it } from "vitest";
import { CONSUMER_RATES, LEDGER_RATES, PRODUCER_RATES } from "./issue-rates.ts";
import { formatPipelineTally, runPipeline } from "./pipeline.ts";

describe("consumer under faults, with the job ledger", () => {
  it("800 jobs, faults on every SQS and DynamoDB call, a worker SIGKILLed: nothing lost, the ledger agrees", async () => {
    // Given jobs recorded in the ledger and sent through faults on SendMessageBatch and BatchWriteItem
    // When a worker claims and finishes them through faults on every call, and is killed once
    const tally = await runPipeline(
      { endpoint: inject("sqsEndpoint") },
      {
        name: "800 jobs, ledger on, faults on every call, 1 worker SIGKILL",
        jobs: 800,
        seed: 11,
        ledger: true,
        jobTimeoutSeconds: 1,
        producerRates: { ...PRODUCER_RATES, ...LEDGER_RATES },
        consumerRates: { ...CONSUMER_RATES, ...LEDGER_RATES },
        killWorkerAt: [0.15],
      },
    );
    console.log(formatPipelineTally(tally));
    // Then every job succeeded or sits in the DLQ with its reason
    expect(tally.lost).toBe(0);
    expect(tally.misplaced).toBe(0);
    expect(tally.deadLetteredWithoutReason).toBe(0);
    expect(tally.succeeded + tally.deadLettered).toBe(tally.sent);
    expect(tally.leftInQueue).toBe(0);
    expect(tally.workerStarts).toBe(2);
    expect(tally.injected.ledger).toBeGreaterThan(0);
    // And the ledger says the same of every job, but for finish writes that failed after the
    // SDK's 3 attempts (logged, and left running: docs/ledger.md; 1 job of 2,000 in one of two
    // 2,000-job runs at these rates)
    const agreement = tally.ledgerAgreement;
    expect(agreement?.missing).toBe(0);
    expect(agreement?.unfinished).toEqual({});
    expect(agreement?.succeededAgree).toBeGreaterThan(0);
    expect(agreement?.deadAgree).toBeGreaterThan(0);
    expect((agreement?.succeededDisagree ?? 0) + (agreement?.deadDisagree ?? 0)).toBe(agreement?.finishLost);
  }, 120_000);
});
