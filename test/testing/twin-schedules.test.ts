import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseScheduleExpression } from "../../src/schedule/expression.ts";
import { scheduledRunId } from "../../src/schedule/run-id.ts";
import { type DevEvent, startTestApp, type TestApp } from "../../tools/src/testing/index.ts";

/**
 * The whole path of a periodic schedule: CDK constructs (two JobQueues sharing a JobLedger, each
 * with `schedule("Nightly", ...)`), the local Scheduler firing both at 03:00, the event source
 * mapping invoking the bundled consumers, and the ledger.
 */
let app: TestApp<"east" | "west">;
const events: DevEvent[] = [];

beforeAll(async () => {
  app = await startTestApp({
    cdk: { app: "npx tsx test/testing/fixtures/twin-schedules-app/app.ts", onEvent: (e) => events.push(e) },
  });
}, 180_000);

/** The job ids of the consumers' "job succeeded" log lines (one per run that ran and succeeded). */
function succeededRuns(): string[] {
  return events.flatMap((e) => {
    if (e.type !== "log" || !e.line.includes('"outcome":"succeeded"')) return [];
    return [String((JSON.parse(e.line) as { jobId?: unknown }).jobId)];
  });
}

afterAll(() => app?.stop());

describe("two queues sharing a ledger, each with a schedule of the same name", () => {
  it("both run at the same scheduled time, each under its own job id, once", async () => {
    // Given the next 03:00 UTC
    const [next] = parseScheduleExpression("cron(0 3 * * ? *)", { timezone: "UTC" }).nextFireTimes(
      app.now(),
      1,
    );
    const due = next as Date;
    const at = due.toISOString().replace(/\.\d{3}Z$/, "Z");
    // When the app's clock reaches it and everything it sent has run
    await app.advanceTime(due.getTime() - app.now().getTime() + 1_000);
    await app.drain({ timeoutMs: 30_000 });
    // Then two runs ran and succeeded, not one acknowledged as the other
    expect(succeededRuns().sort()).toEqual([
      scheduledRunId("east", "Nightly", at),
      scheduledRunId("west", "Nightly", at),
    ]);
    // And the ledger has each queue's run, succeeded at its first attempt, on its own queue
    for (const queue of ["east", "west"] as const) {
      const url = app.queues.find((q) => q.name === queue)?.url;
      expect(await app.job(scheduledRunId(queue, "Nightly", at))).toMatchObject({
        jobName: "tidy",
        queue,
        status: "succeeded",
        attempts: 1,
        result: { queueUrl: url },
      });
      expect(await app.dlq(queue)).toEqual([]);
    }
  }, 60_000);
});
