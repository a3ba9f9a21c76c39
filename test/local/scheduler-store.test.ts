import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalScheduler } from "../../tools/src/local/scheduler.ts";
import { eventually } from "../helpers/eventually.ts";
import { startOneFunctionStack } from "./one-function-stack.ts";

const dir = mkdtempSync(join(tmpdir(), "sqs-jobs-schedules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const target = (input: string) => ({
  arn: "arn:aws:sqs:us-east-1:000000000000:reports",
  roleArn: "arn:aws:iam::000000000000:role/scheduler",
  input,
});

describe("LocalScheduler with a store file (sqs-jobs dev --persist)", () => {
  it("keeps schedules across a restart; a one-time schedule due while it was down fires on start", async () => {
    const storeFile = join(dir, "schedules.json");
    const delivered: string[] = [];
    const deliver = async (_arn: string, body: string) => {
      delivered.push(body);
    };
    // Given a scheduler with a nightly schedule, a one-time one in a second and one deleted
    const first = new LocalScheduler({ deliver, storeFile });
    const nightly = first.create({
      name: "nightly",
      expression: "cron(0 3 * * ? *)",
      target: target("nightly"),
    });
    const soon = new Date(Date.now() + 1_000).toISOString().slice(0, 19);
    first.create({
      name: "soon",
      expression: `at(${soon})`,
      actionAfterCompletion: "DELETE",
      target: target("soon"),
    });
    first.create({ name: "gone", expression: "rate(5 minutes)", target: target("gone") });
    expect(first.delete("gone")).toBe(true);
    // When it stops before the one-time schedule is due, and a new one starts 1.5 s later
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = new LocalScheduler({ deliver, storeFile });
    // Then the schedules are back as they were, the deleted one is not
    expect(second.list().map((s) => s.name)).toEqual(["nightly", "soon"]);
    expect(second.get("nightly")?.createdAt).toEqual(nightly.createdAt);
    // And the overdue one-time schedule fires on the first tick, then is gone for good
    await second.tick();
    expect(delivered).toEqual(["soon"]);
    expect(second.list().map((s) => s.name)).toEqual(["nightly"]);
    expect(new LocalScheduler({ deliver, storeFile }).list().map((s) => s.name)).toEqual(["nightly"]);
  });

  it("fires a one-time schedule with ActionAfterCompletion NONE once: a restart keeps it, fired", async () => {
    const storeFile = join(dir, "fired-once.json");
    const delivered: string[] = [];
    const deliver = async (_arn: string, body: string) => {
      delivered.push(body);
    };
    // Given a one-time schedule kept after completion (NONE, Scheduler's default), due now
    const first = new LocalScheduler({ deliver, storeFile });
    const past = new Date(Date.now() - 60_000).toISOString().slice(0, 19);
    first.create({ name: "once", expression: `at(${past})`, target: target("once") });
    // When it fires
    await first.tick();
    expect(delivered).toEqual(["once"]);
    // And the stack restarts on the same store, twice
    for (let restart = 0; restart < 2; restart++) {
      const next = new LocalScheduler({ deliver, storeFile });
      await next.tick();
      // Then it is still there, as on AWS (a completed schedule stays until deleted)...
      expect(next.get("once")?.state).toBe("ENABLED");
    }
    // ...and it never fired again
    expect(delivered).toEqual(["once"]);
  });

  it("fires a one-time schedule of the app's template once across --persist restarts", async () => {
    // Given an app whose template holds a one-time schedule, already due, into the function's queue
    const persistDir = join(dir, "template-once");
    const records: unknown[] = [];
    const handler = async (event: { Records?: unknown[] }) => {
      records.push(...(event.Records ?? []));
      return { batchItemFailures: [] };
    };
    const past = new Date(Date.now() - 60_000).toISOString().slice(0, 19);
    const schedules = [
      {
        name: "launch",
        groupName: "default",
        expression: `at(${past})`,
        timezone: "UTC",
        enabled: true,
        queueLogicalId: "Work",
        input: "{}",
        messageGroupId: undefined,
      },
    ];
    // When the stack starts, its schedule fires and the function gets the message
    const first = await startOneFunctionStack(handler as never, { schedules, persistDir });
    const started = Date.now();
    try {
      await eventually(
        async () => records.length,
        (n) => n === 1,
        10_000,
      );
    } finally {
      await first.stop();
    }
    expect(records).toHaveLength(1);
    const firstDeliveryMs = Date.now() - started;
    // And it restarts on the same directory, for longer than the first delivery took
    const second = await startOneFunctionStack(handler as never, { schedules, persistDir });
    try {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1_500, 2 * firstDeliveryMs)));
      // Then the schedule is still there and fired no second time
      expect(second.scheduler.get("launch")).toBeDefined();
      expect(records).toHaveLength(1);
    } finally {
      await second.stop();
    }
  }, 30_000);

  it("goes on firing when its store can no longer be written, and says so", async () => {
    // Given two one-time schedules due now, on a store whose directory then disappears
    const gone = join(dir, "gone");
    mkdirSync(gone);
    const delivered: string[] = [];
    const errors: unknown[] = [];
    const scheduler = new LocalScheduler({
      deliver: async (_arn, body) => {
        delivered.push(body);
      },
      onError: (error) => errors.push(error),
      storeFile: join(gone, "schedules.json"),
    });
    const past = new Date(Date.now() - 60_000).toISOString().slice(0, 19);
    for (const name of ["one", "two"]) {
      scheduler.create({
        name,
        expression: `at(${past})`,
        actionAfterCompletion: "DELETE",
        target: target(name),
      });
    }
    rmSync(gone, { recursive: true });
    // When they fire, then both are delivered, the failed writes are reported, and ticks go on
    await scheduler.tick();
    expect(delivered.sort()).toEqual(["one", "two"]);
    expect(errors.length).toBeGreaterThan(0);
    await expect(scheduler.tick()).resolves.toBeUndefined();
  });
});
