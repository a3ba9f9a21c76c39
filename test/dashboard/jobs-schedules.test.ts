import { randomUUID } from "node:crypto";
import { CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Ledger } from "../../src/ledger/ledger.ts";
import { writeProgress } from "../../src/ledger/run-flags.ts";
import { type RunningDashboard, startDashboard } from "../../tools/src/dashboard/server.ts";
import { createLedgerTable, testDynamoDb } from "../helpers/ledger-table.ts";
import { createTestQueue, testSqs } from "../helpers/sqs.ts";
import { call } from "./dashboard-client.ts";

const sqs = testSqs();
const dynamodb = testDynamoDb();
const scheduler = new SchedulerClient({ endpoint: inject("sqsEndpoint"), region: "us-east-1" });
const prefix = `dash-jobs-${randomUUID().slice(0, 6)}`;
let dash: RunningDashboard;
let noLedger: RunningDashboard;
let ledger: Ledger;
let queue: string;

beforeAll(async () => {
  const tableName = await createLedgerTable(dynamodb, "dash-ledger");
  ledger = new Ledger({ client: dynamodb, tableName, retentionDays: 14 });
  queue = (await createTestQueue(sqs, prefix)).split("/").pop() ?? "";
  const common = { sqs, target: { endpoint: null, region: "us-east-1" }, version: "0", port: 0, prefix };
  dash = await startDashboard({
    ...common,
    dynamodb: async () => dynamodb,
    ledgerTable: tableName,
    scheduler: async () => scheduler,
  });
  noLedger = await startDashboard(common);
});

afterAll(async () => {
  await dash?.close();
  await noLedger?.close();
  sqs.destroy();
  dynamodb.destroy();
  scheduler.destroy();
});

/** A job run to its end in the ledger, as the consumer records it. */
async function ranJob(job: string, end: "succeeded" | "dead"): Promise<string> {
  const jobId = randomUUID();
  await ledger.recordQueued([{ jobId, job, queue, payloadHash: "h" }]);
  const runToken = randomUUID();
  await ledger.claim({ jobId, job, queue, runToken, leaseMs: 60_000, payloadHash: "h", redriven: false });
  await ledger.finish(
    jobId,
    queue,
    runToken,
    end === "succeeded"
      ? { status: "succeeded", resultJson: JSON.stringify({ pages: 3 }) }
      : {
          status: "dead",
          failure: { reason: "permanent", name: "PermanentError", message: "no such user", code: undefined },
        },
  );
  return jobId;
}

describe("the dashboard's jobs (ledger) and schedules", () => {
  it("lists a queue's jobs newest first, by state, a page at a time, and shows one job whole", async () => {
    // Given a succeeded job, a dead one and a queued one
    const ok = await ranJob("build-report", "succeeded");
    const dead = await ranJob("send-email", "dead");
    const waiting = randomUUID();
    await ledger.recordQueued([{ jobId: waiting, job: "build-report", queue, payloadHash: "h" }]);

    // When the page lists them, all and by state, and pages through them one at a time
    const all = await call(dash.origin, "GET", `api/jobs?queue=${queue}`);
    const deadOnly = await call(dash.origin, "GET", `api/jobs?queue=${queue}&state=dead`);
    const pages: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const page = await call(
        dash.origin,
        "GET",
        `api/jobs?queue=${queue}&limit=1&cursor=${encodeURIComponent(cursor)}`,
      );
      pages.push(...page.json.jobs.map((j: { jobId: string }) => j.jobId));
      cursor = page.json.cursor;
      if (pages.length > 5) break;
    }
    const everyQueue = await call(dash.origin, "GET", "api/jobs?state=succeeded");

    // Then every job is listed once, newest first, with its state and (when dead) its reason
    expect(all.status).toBe(200);
    expect(all.json.jobs.map((j: { jobId: string }) => j.jobId)).toEqual([waiting, dead, ok]);
    expect(all.json.jobs[1]).toMatchObject({
      jobId: dead,
      jobName: "send-email",
      queue,
      status: "dead",
      reason: "permanent",
    });
    expect(all.json.cursor).toBeNull();
    expect(deadOnly.json.jobs.map((j: { jobId: string }) => j.jobId)).toEqual([dead]);
    expect(pages).toEqual([waiting, dead, ok]);
    expect(everyQueue.json.jobs.map((j: { jobId: string }) => j.jobId)).toEqual([ok]);

    // And one job shows whole: its times, failure, and its result when asked for with the token
    const one = await call(dash.origin, "GET", `api/jobs/${ok}?result=1`, { token: dash.token });
    expect(one.json).toMatchObject({
      jobId: ok,
      status: "succeeded",
      attempts: 1,
      createdAt: expect.any(String),
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      result: { pages: 3 },
      failure: null,
    });
    const deadOne = await call(dash.origin, "GET", `api/jobs/${dead}`);
    expect(deadOne.json.failure).toEqual({
      reason: "permanent",
      name: "PermanentError",
      message: "no such user",
      code: null,
    });
    // A cancelled job shows its status and the handler's last progress, with no token
    const cancelled = randomUUID();
    const runToken = randomUUID();
    await ledger.recordQueued([{ jobId: cancelled, job: "crawl", queue, payloadHash: "h" }]);
    await ledger.claim({
      jobId: cancelled,
      job: "crawl",
      queue,
      runToken,
      leaseMs: 60_000,
      payloadHash: "h",
      redriven: false,
    });
    await writeProgress(ledger, cancelled, runToken, JSON.stringify({ done: 7, total: 10 }));
    await ledger.finish(cancelled, queue, runToken, { status: "cancelled" });
    const cancelledOne = await call(dash.origin, "GET", `api/jobs/${cancelled}`);
    expect(cancelledOne.json).toMatchObject({ status: "cancelled", progress: { done: 7, total: 10 } });
    expect(deadOne.json.progress).toBeNull();
    const unknown = await call(dash.origin, "GET", `api/jobs/${randomUUID()}`);
    expect([unknown.status, unknown.json.error.code]).toEqual([404, "JOB_NOT_FOUND"]);
    const badState = await call(dash.origin, "GET", `api/jobs?state=lost`);
    expect([badState.status, badState.json.error.code]).toEqual([400, "BAD_REQUEST"]);
  });

  it("answers a job's flow tree: none for a plain job, 404 JOB_NOT_FOUND for an id the ledger lacks", async () => {
    const plain = await ranJob("build-report", "succeeded");
    const tree = await call(dash.origin, "GET", `api/jobs/${plain}/tree`);
    expect([tree.status, tree.json]).toEqual([
      200,
      { job: { jobId: plain, jobName: "build-report", status: "succeeded", flows: [] }, flows: [] },
    ]);
    const unknown = await call(dash.origin, "GET", `api/jobs/${randomUUID()}/tree`);
    expect([unknown.status, unknown.json.error.code]).toEqual([404, "JOB_NOT_FOUND"]);
  });

  it("answers 404 NO_LEDGER where no ledger table was given", async () => {
    const answer = await call(noLedger.origin, "GET", `api/jobs?queue=${queue}`);
    expect([answer.status, answer.json.error.code]).toEqual([404, "NO_LEDGER"]);
    expect((await call(noLedger.origin, "GET", "api/info")).json.ledger).toBeNull();
    expect((await call(dash.origin, "GET", "api/info")).json.ledger).toEqual({
      tableName: expect.any(String),
    });
  });

  it("lists schedules with their job and next three runs", async () => {
    // Given a schedule sending a job every day at 09:30 Paris time from 2098 (never fires in a test run)
    const group = `dash-${randomUUID().slice(0, 6)}`;
    await scheduler.send(
      new CreateScheduleCommand({
        Name: "nightly",
        GroupName: group,
        ScheduleExpression: "cron(30 9 * * ? *)",
        ScheduleExpressionTimezone: "Europe/Paris",
        StartDate: new Date("2098-01-05T00:00:00Z"),
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: {
          Arn: "arn:aws:sqs:us-east-1:000000000000:reports",
          RoleArn: "arn:aws:iam::000000000000:role/scheduler",
          Input: JSON.stringify({ sqsJobs: 1, job: "build-report", payload: {} }),
        },
      }),
    );

    // When the page asks for the schedules
    const answer = await call(dash.origin, "GET", "api/schedules");

    // Then it is there with its job and its next three times
    expect(answer.status).toBe(200);
    const nightly = answer.json.schedules.find((s: { group: string }) => s.group === group);
    expect(nightly).toEqual({
      group,
      name: "nightly",
      expression: "cron(30 9 * * ? *)",
      timezone: "Europe/Paris",
      state: "ENABLED",
      target: "arn:aws:sqs:us-east-1:000000000000:reports",
      jobName: "build-report",
      next: ["2098-01-05T08:30:00.000Z", "2098-01-06T08:30:00.000Z", "2098-01-07T08:30:00.000Z"],
    });
    const none = await call(noLedger.origin, "GET", "api/schedules");
    expect([none.status, none.json.error.code]).toEqual([404, "NO_SCHEDULER"]);
  });
});
