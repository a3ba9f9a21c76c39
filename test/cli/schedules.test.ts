import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  GetScheduleCommand,
  SchedulerClient,
} from "@aws-sdk/client-scheduler";
import { describe, expect, inject, it } from "vitest";
import { parseScheduleExpression } from "../../src/schedule/expression.ts";
import { createTestQueue, drainQueue, queueArn, testSqs } from "../helpers/sqs.ts";
import { runCli, widest } from "./run-cli.ts";

// The rig's scheduler fires on its own clock, which other files move by hours: every schedule
// here is disabled or fires no earlier than 2098, so none fires while a test reads it.

const sqs = testSqs();
const scheduler = new SchedulerClient({
  endpoint: inject("sqsEndpoint"),
  region: process.env.AWS_REGION ?? "us-east-1",
});
const roleArn = "arn:aws:iam::000000000000:role/scheduler";
const NOWHERE = "arn:aws:sqs:us-east-1:000000000000:no-such-queue";

/** A group of this test's own, short enough that the table never cuts it. */
const newGroup = (): string => `s-${randomUUID().slice(0, 6)}`;

async function create(
  group: string,
  name: string,
  fields: Omit<CreateScheduleCommandInput, "Name" | "GroupName" | "FlexibleTimeWindow" | "Target"> & {
    Target?: Partial<NonNullable<CreateScheduleCommandInput["Target"]>>;
  },
): Promise<void> {
  await scheduler.send(
    new CreateScheduleCommand({
      Name: name,
      GroupName: group,
      FlexibleTimeWindow: { Mode: "OFF" },
      ...fields,
      Target: { Arn: NOWHERE, RoleArn: roleArn, Input: "{}", ...fields.Target },
    }),
  );
}

/** The expected NEXT cell, computed apart from the CLI: the time in its zone, seconds if any. */
function inZone(time: Date, timezone: string): string {
  const text = time.toLocaleString("sv-SE", { timeZone: timezone }).replace(" ", "T");
  return text.endsWith(":00") ? text.slice(0, -3) : text;
}

describe("sqs-jobs schedules", () => {
  it("lists a group's schedules with their next three fire times, in 80 columns and as JSON", async () => {
    // Given four schedules in one group: a cron in Paris, a rate from a start date, an at() in
    // Tokyo and a disabled one; and one in another group
    const group = newGroup();
    const start = new Date("2098-06-01T00:00:00Z");
    await create(group, "nightly", {
      ScheduleExpression: "cron(30 9 ? * MON-FRI 2098-2099)",
      ScheduleExpressionTimezone: "Europe/Paris",
    });
    await create(group, "every-2h", { ScheduleExpression: "rate(2 hours)", StartDate: start });
    await create(group, "once", {
      ScheduleExpression: "at(2099-01-02T03:04:05)",
      ScheduleExpressionTimezone: "Asia/Tokyo",
    });
    await create(group, "paused", { ScheduleExpression: "rate(1 minute)", State: "DISABLED" });
    await create(newGroup(), "elsewhere", { ScheduleExpression: "rate(1 minute)", State: "DISABLED" });
    const now = new Date();
    const cron = parseScheduleExpression("cron(30 9 ? * MON-FRI 2098-2099)", { timezone: "Europe/Paris" })
      .nextFireTimes(now, 3)
      .map((t) => t.toISOString());
    const rate = parseScheduleExpression("rate(2 hours)")
      .nextFireTimes(now, 3, start)
      .map((t) => t.toISOString());

    // When the group is listed as a table
    const table = await runCli(["schedules", "--group", group]);

    // Then each schedule takes a line per fire time, names and groups whole, in 80 columns
    expect(table.stderr).toBe("");
    expect(table.code).toBe(0);
    expect(widest(table.stdout)).toBeLessThanOrEqual(80);
    const lines = table.stdout.trimEnd().split("\n");
    const cells = lines.map((line) => line.trim().split(/\s{2,}/));
    expect(cells[0]).toEqual(["NAME", "GROUP", "EXPRESSION", "TZ", "STATE", "NEXT"]);
    const byName = (name: string) => {
      const at = lines.findIndex((l) => l.startsWith(`${name} `));
      expect(at, `${name} in\n${table.stdout}`).toBeGreaterThan(0);
      return cells.slice(at, at + 3);
    };
    const [nightly, ...nightlyMore] = byName("nightly");
    expect(nightly).toEqual([
      "nightly",
      group,
      expect.stringMatching(/^cron\(30 9/),
      "Europe/Paris",
      "ENABLED",
      inZone(new Date(cron[0] ?? ""), "Europe/Paris"),
    ]);
    expect(nightlyMore).toEqual(cron.slice(1).map((t) => [inZone(new Date(t), "Europe/Paris")]));
    expect(byName("every-2h")).toEqual([
      ["every-2h", group, "rate(2 hours)", "UTC", "ENABLED", "2098-06-01T00:00"],
      ["2098-06-01T02:00"],
      ["2098-06-01T04:00"],
    ]);
    expect(byName("once")[0]).toEqual([
      "once",
      group,
      expect.stringMatching(/^at\(2099-01-02/),
      "Asia/Tokyo",
      "ENABLED",
      "2099-01-02T03:04:05",
    ]);
    expect(byName("paused")[0]).toEqual(["paused", group, "rate(1 minute)", "UTC", "DISABLED", "-"]);
    expect(table.stdout).not.toContain("elsewhere");
    // And the expression cut to fit is said to be whole in --json
    expect(lines.at(-1)).toBe("(shortened to fit; --json prints every field whole)");

    // When listed as JSON
    const json = await runCli(["schedules", "--group", group, "--json"]);

    // Then every schedule is there whole, with its fire times as instants
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout).schedules as { name: string; nextFireTimes: string[] }[];
    const times = Object.fromEntries(listed.map((s) => [s.name, s.nextFireTimes]));
    expect(times).toEqual({
      nightly: cron,
      "every-2h": rate,
      once: ["2099-01-01T18:04:05.000Z"],
      paused: [],
    });
    expect(listed.find((s) => s.name === "nightly")).toMatchObject({
      groupName: group,
      expression: "cron(30 9 ? * MON-FRI 2098-2099)",
      timezone: "Europe/Paris",
      state: "ENABLED",
      target: { arn: NOWHERE },
    });

    // When only names starting with "p" are asked for
    const some = await runCli(["schedules", "--group", group, "--prefix", "p", "--json"]);
    expect(JSON.parse(some.stdout).schedules.map((s: { name: string }) => s.name)).toEqual(["paused"]);
  });
});

describe("sqs-jobs schedules run", () => {
  const INPUT = JSON.stringify({
    id: "<aws.scheduler.execution-id>",
    at: "<aws.scheduler.scheduled-time>",
    arn: "<aws.scheduler.schedule-arn>",
    attempt: "<aws.scheduler.attempt-number>",
  });

  it("sends the input to the target queue now, with the context attributes replaced", async () => {
    // Given a disabled schedule (it never fires on its own) whose input names every attribute
    const group = newGroup();
    const queueUrl = await createTestQueue(sqs, "sched-run");
    await create(group, "fire-me", {
      ScheduleExpression: "rate(1 minute)",
      State: "DISABLED",
      Target: { Arn: await queueArn(sqs, queueUrl), Input: INPUT },
    });
    const { Arn: scheduleArn } = await scheduler.send(
      new GetScheduleCommand({ Name: "fire-me", GroupName: group }),
    );
    const before = Math.floor(Date.now() / 1000) * 1000;

    // When it is run
    const run = await runCli(["schedules", "run", "fire-me", "--group", group, "--json"]);
    const after = Date.now();

    // Then one message with the attributes replaced is on the queue
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [message, ...rest] = await drainQueue(sqs, queueUrl, { expect: 1, quietMs: 300 });
    expect(rest).toHaveLength(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ messageId: message?.MessageId, scheduleArn });
    const body = JSON.parse(message?.Body ?? "");
    expect(body).toMatchObject({ arn: scheduleArn, attempt: "1" });
    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(body.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(body.at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(body.at)).toBeLessThanOrEqual(after);
  });

  it("sends to a FIFO queue with the schedule's message group, a new message each run", async () => {
    const group = newGroup();
    const queueUrl = await createTestQueue(sqs, "sched-run", { fifo: true });
    await create(group, "fifo", {
      ScheduleExpression: "rate(1 minute)",
      State: "DISABLED",
      Target: {
        Arn: await queueArn(sqs, queueUrl),
        Input: '{"same":"body"}',
        SqsParameters: { MessageGroupId: "tenant-1" },
      },
    });
    const first = await runCli(["schedules", "run", "fifo", "--group", group]);
    const second = await runCli(["schedules", "run", "fifo", "--group", group]);
    expect([first.code, second.code, first.stderr, second.stderr]).toEqual([0, 0, "", ""]);
    expect(first.stdout).toMatch(/^fired fifo \(group s-\w+\) to sched-run-\w+\.fifo: message \S+\n$/);
    const messages = await drainQueue(sqs, queueUrl, { expect: 2, quietMs: 300 });
    expect(messages.map((m) => [m.Body, m.Attributes?.MessageGroupId])).toEqual([
      ['{"same":"body"}', "tenant-1"],
      ['{"same":"body"}', "tenant-1"],
    ]);
    expect(messages.map((m) => m.Attributes?.MessageDeduplicationId)).toEqual([
      expect.stringMatching(/^run-/),
      expect.stringMatching(/^run-/),
    ]);
  });

  it("refuses a target that is not an SQS queue, and names a schedule that does not exist", async () => {
    // Given a Scheduler whose schedule targets a Lambda function: the rig's emulator takes SQS
    // targets only, so a stub answers GetSchedule as AWS would
    const lambdaArn = "arn:aws:lambda:us-east-1:000000000000:function:f";
    const stub = createServer((request, response) => {
      const found = request.url?.startsWith("/schedules/to-lambda") === true;
      response.writeHead(found ? 200 : 404, {
        "content-type": "application/json",
        ...(found ? {} : { "x-amzn-errortype": "ResourceNotFoundException" }),
      });
      response.end(
        JSON.stringify(
          found
            ? { Name: "to-lambda", GroupName: "default", Target: { Arn: lambdaArn, RoleArn: roleArn } }
            : { Message: "Schedule nope does not exist." },
        ),
      );
    });
    await new Promise<void>((listening) => stub.listen(0, "127.0.0.1", listening));
    const env = { AWS_ENDPOINT_URL_SCHEDULER: `http://127.0.0.1:${(stub.address() as AddressInfo).port}` };
    try {
      // When each is run, Then it exits 1 saying why, and nothing is sent
      const lambda = await runCli(["schedules", "run", "to-lambda"], { env });
      expect(lambda.code).toBe(1);
      expect(lambda.stderr).toContain(`targets ${lambdaArn}, not an SQS queue`);
      const missing = await runCli(["schedules", "run", "nope", "--group", "reports"], { env });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("there is no schedule nope in group reports");
    } finally {
      stub.close();
    }
  });
});
