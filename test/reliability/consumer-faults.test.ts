import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type EmulatorProcess, startEmulatorProcess } from "./emulator-process.ts";
import { CONSUMER_RATES, PRODUCER_RATES } from "./issue-rates.ts";
import { formatPipelineTally, type PipelineTally, runPipeline } from "./pipeline.ts";

function expectNothingLost(t: PipelineTally) {
  console.log(formatPipelineTally(t));
  // Every job succeeded at least once or sits in the DLQ with the reason it deserves
  expect(t.lost).toBe(0);
  expect(t.misplaced).toBe(0);
  expect(t.deadLetteredWithoutReason).toBe(0);
  expect(t.succeeded + t.deadLettered).toBe(t.sent);
  expect(t.leftInQueue).toBe(0);
  // And the faults really happened
  expect(t.injected.consumer).toBeGreaterThan(0);
  // And the last worker, sent SIGTERM, stopped cleanly
  expect(t.workerExitCode).toBe(0);
}

// The two scenarios use different emulators, so they run side by side to keep the suite short.
describe.concurrent("consumer under faults", () => {
  it("worker: 2,000 jobs through faults on every SQS call, nothing lost, duplicates counted", async () => {
    // Given jobs that succeed, fail once, always fail or fail permanently, sent through faults
    // When a worker process consumes them through faults on receive, delete, visibility and DLQ sends
    const tally = await runPipeline(
      { endpoint: inject("sqsEndpoint") },
      {
        name: "2k jobs, faults on every call",
        jobs: 2_000,
        producerRates: PRODUCER_RATES,
        consumerRates: CONSUMER_RATES,
      },
    );
    // Then
    expectNothingLost(tally);
  }, 150_000);

  describe("with the emulator in its own process, persistence on", () => {
    let emulator: EmulatorProcess;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "sqs-jobs-fauxqs-"));
      emulator = await startEmulatorProcess(dataDir);
    });

    afterAll(async () => {
      await emulator.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("worker SIGKILLed twice and the emulator restarted, under faults: nothing lost", async () => {
      // Given the same jobs and faults
      // When the worker is killed with SIGKILL at 25% and 50%, and the emulator restarts at 70%
      const tally = await runPipeline(
        { endpoint: emulator.endpoint, restartEmulator: () => emulator.restart() },
        {
          name: "2k jobs, faults, 2 worker SIGKILLs, 1 emulator restart",
          jobs: 2_000,
          seed: 9,
          workerConcurrency: 50,
          producerRates: PRODUCER_RATES,
          consumerRates: CONSUMER_RATES,
          killWorkerAt: [0.25, 0.5],
          restartEmulatorAt: [0.7],
        },
      );
      // Then every job still ends succeeded or dead-lettered with its reason
      expectNothingLost(tally);
      expect(tally.workerStarts).toBe(3);
      expect(tally.emulatorRestarts).toBe(1);
    }, 180_000);
  });
});
