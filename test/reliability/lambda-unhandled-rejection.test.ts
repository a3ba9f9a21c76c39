import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobClient } from "../../src/index.ts";
import { startTestDevStack, type TestDevStack } from "../helpers/dev-stack.ts";
import { eventually } from "../helpers/eventually.ts";
import { drainQueue, queueDepth } from "../helpers/sqs.ts";
import { type StrayRun, strayJob } from "./fixtures/stray-rejection-app/job.ts";

/**
 * An unhandled rejection inside a job, through the real path: a JobQueue app under the dev stack,
 * whose consumer bundle runs in a local Lambda environment fed by the event source emulation.
 * Like the Node.js Lambda runtime, the environment fails the whole invocation and ends, so the
 * poller deletes none of the batch and the next invocation starts cold.
 */
let dev: TestDevStack;

beforeAll(async () => {
  dev = await startTestDevStack({ appFile: "test/reliability/fixtures/stray-rejection-app/app.ts" });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
});

describe("Lambda driver, unhandled rejection in a job", () => {
  it("fails the whole invocation: none of the batch is deleted, neighbours run again, nothing lost", async () => {
    // Given six jobs in one batch, the third leaving behind a promise that rejects on attempt 1
    const { sqs, queueUrl, errors, batches } = dev;
    const jobs = queueUrl("JobsQueue");
    const sent = 6;
    const stray = 2;
    await new JobClient({ queueUrl: jobs, sqs }).sendBatch(
      strayJob,
      Array.from({ length: sent }, (_, i) => ({ i, strayRejection: i === stray })),
    );
    // When the dev stack runs them (visibility timeout 3 s), until every job succeeded and the
    // queue is empty
    const runs: StrayRun[] = [];
    await eventually(
      async () => {
        const read = await drainQueue(sqs, queueUrl("Runs"), { quietMs: 200 });
        runs.push(...read.map((m) => JSON.parse(m.Body ?? "{}") as StrayRun));
        return { succeeded: new Set(runs.map((r) => r.i)).size, depth: await queueDepth(sqs, jobs) };
      },
      ({ succeeded, depth }) => succeeded === sent && depth.visible + depth.inFlight + depth.delayed === 0,
      20_000,
    );

    const succeeded = new Set(runs.map((r) => r.i)).size;
    const duplicated = runs.length - succeeded;
    const crashed = errors.filter((e) => e.startsWith("Runtime.UnhandledPromiseRejection"));
    console.log(
      `[lambda] unhandled rejection in a job: sent=${sent} succeeded=${succeeded} duplicated=${duplicated} lost=${sent - succeeded} (failed invocations=${crashed.length}, environments=${new Set(runs.map((r) => r.environment)).size})`,
    );
    // Then the invocation failed as on Lambda, with the rejection's reason
    expect(crashed).toEqual(["Runtime.UnhandledPromiseRejection: Error: stray work failed"]);
    // And the poller kept the whole batch: every record of that invocation was left on the queue
    expect(batches.some((b) => b.records === sent && b.failed === sent)).toBe(true);
    // And the neighbours that finished before the crash ran again, in a fresh environment
    const crashedIn = runs.find((r) => r.attempt === 1)?.environment;
    const neighbours = runs.filter((r) => r.environment === crashedIn);
    expect(neighbours.length).toBeGreaterThan(0);
    expect(neighbours.every((r) => r.attempt === 1 && r.i !== stray)).toBe(true);
    for (const n of neighbours) {
      expect(runs.some((r) => r.i === n.i && r.attempt === 2 && r.environment !== crashedIn)).toBe(true);
    }
    expect(duplicated).toBe(neighbours.length);
    // And the stray job succeeded on its second attempt: every job ran, nothing lost
    expect(runs.filter((r) => r.i === stray).map((r) => r.attempt)).toEqual([2]);
    expect(succeeded).toBe(sent);
    expect(await queueDepth(sqs, queueUrl("JobsDeadLetter"))).toEqual({
      visible: 0,
      inFlight: 0,
      delayed: 0,
    });
  }, 30_000);
});
