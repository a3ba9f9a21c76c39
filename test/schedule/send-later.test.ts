import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import {
  ConfigError,
  defineJob,
  handle,
  InvalidOptionError,
  JobClient,
  SendError,
  startWorker,
} from "../../src/index.ts";
import { createTestQueue, drainQueue, queueDepth, testSqs } from "../helpers/sqs.ts";

// One file for every test that moves the emulator's clock. It is one clock (schedules, SQS
// visibility deadlines and delays), so this file runs on an emulator of its own (the `clock`
// project in vitest.config.ts): on the shared one it made other files' in-flight messages
// visible at once.

const sqs = testSqs();
const endpoint = inject("sqsEndpoint");
const scheduler = new SchedulerClient({
  endpoint,
  region: process.env.AWS_REGION ?? "us-east-1",
  maxAttempts: 1,
});
const roleArn = "arn:aws:iam::000000000000:role/scheduler";
const HOUR = 3_600_000;

const sendEmail = defineJob({
  name: "send-email",
  schema: z.object({ to: z.string().email(), subject: z.string() }),
  fifo: { groupId: (p: { to: string }) => p.to },
});

async function advanceClock(ms: number): Promise<void> {
  const answer = await fetch(`${endpoint}/_sqs-jobs/clock/advance`, {
    method: "POST",
    body: JSON.stringify({ ms }),
  });
  expect(answer.status).toBe(200);
}

/** The scheduler's now: tests before this one may have moved it ahead of the wall clock. */
async function schedulerNow(): Promise<number> {
  const answer = await fetch(`${endpoint}/_sqs-jobs/clock/advance`, { method: "POST", body: '{"ms":0}' });
  return Date.parse(((await answer.json()) as { now: string }).now);
}

describe("sending later through EventBridge Scheduler", () => {
  it("gives a one-time schedule the queue's Scheduler dead-letter queue, from the option or the variable", async () => {
    const queueUrl = await createTestQueue(sqs, "later-dlq");
    const created: { Target?: { DeadLetterConfig?: { Arn?: string } } }[] = [];
    const watched = new SchedulerClient({ endpoint, region: process.env.AWS_REGION ?? "us-east-1" });
    watched.middlewareStack.add(
      (next) => async (args) => {
        created.push(args.input as (typeof created)[number]);
        return next(args);
      },
      { step: "initialize" },
    );
    const dlq = "arn:aws:sqs:us-east-1:000000000000:scheduler-dlq";
    const at = new Date((await schedulerNow()) + 2 * HOUR);
    const jobs = new JobClient({
      queueUrl,
      sqs,
      scheduler: { roleArn, client: watched, deadLetterArn: dlq },
    });
    const sent = await jobs.send(sendEmail, { to: "a@example.com", subject: "dlq" }, { at });
    expect(created[0]?.Target?.DeadLetterConfig).toEqual({ Arn: dlq });
    expect(await jobs.cancel(sent.jobId)).toEqual({ outcome: "cancelled" });
    watched.destroy();
  });

  it("holds a job sent 2 hours ahead in a schedule, then lands it with a valid envelope, and it runs", async () => {
    // Given a queue and a client with a scheduler role
    const queueUrl = await createTestQueue(sqs, "later");
    const jobs = new JobClient({ queueUrl, sqs, scheduler: { roleArn } });
    const at = new Date((await schedulerNow()) + 2 * HOUR);
    // When a job is sent for 2 hours ahead
    const sent = await jobs.send(sendEmail, { to: "a@example.com", subject: "reminder" }, { at });
    // Then a one-time schedule holds it, deleted after it fires, and the queue is empty
    expect(sent).toMatchObject({ messageId: "", scheduleName: `sqs-jobs-${sent.jobId}`, scheduledAt: at });
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: sent.scheduleName }));
    expect(schedule).toMatchObject({
      ScheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
      ScheduleExpressionTimezone: "UTC",
      ActionAfterCompletion: "DELETE",
      Target: { RoleArn: roleArn, Arn: expect.stringMatching(/^arn:aws:sqs:us-east-1:000000000000:later-/) },
    });
    expect(schedule.Target?.SqsParameters).toBeUndefined();
    expect(await queueDepth(sqs, queueUrl)).toMatchObject({ visible: 0 });
    // When the clock passes its time
    await advanceClock(2 * HOUR + 1_000);
    // Then the envelope lands, and the schedule is gone
    const [message, ...rest] = await drainQueue(sqs, queueUrl, { expect: 1, quietMs: 300 });
    expect(rest).toHaveLength(0);
    expect(decodeEnvelope(message?.Body ?? "")).toMatchObject({
      job: "send-email",
      id: sent.jobId,
      payload: { to: "a@example.com", subject: "reminder" },
    });
    await expect(scheduler.send(new GetScheduleCommand({ Name: sent.scheduleName }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    // And a worker runs the job it carries
    const again = await jobs.send(
      sendEmail,
      { to: "b@example.com", subject: "run" },
      { delaySeconds: 3_600 },
    );
    const ran: string[] = [];
    const worker = startWorker({
      queueUrl,
      sqs,
      handlers: [handle(sendEmail, (p, ctx) => void ran.push(`${p.to}:${ctx.jobId}`))],
      waitTimeSeconds: 1,
      logLevel: "silent",
      handleSignals: false,
    });
    await advanceClock(HOUR + 1_000);
    for (let i = 0; i < 40 && ran.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    await worker.stop();
    expect(ran).toEqual([`b@example.com:${again.jobId}`]);
  });

  it("cancels a schedule before it fires: the job never lands, while one beside it does", async () => {
    const queueUrl = await createTestQueue(sqs, "cancel");
    const jobs = new JobClient({ queueUrl, sqs, scheduler: { roleArn } });
    const at = new Date((await schedulerNow()) + 2 * HOUR);
    const cancelled = await jobs.send(sendEmail, { to: "c@example.com", subject: "no" }, { at });
    const kept = await jobs.send(sendEmail, { to: "k@example.com", subject: "yes" }, { at });
    expect(await jobs.cancel(cancelled.jobId)).toEqual({ outcome: "cancelled" });
    expect(await jobs.cancel(cancelled.jobId)).toEqual({ outcome: "not-found" });
    await advanceClock(2 * HOUR + 1_000);
    const landed = await drainQueue(sqs, queueUrl, { expect: 1, quietMs: 500 });
    expect(landed.map((m) => decodeEnvelope(m.Body ?? "").id)).toEqual([kept.jobId]);
    // Fired and deleted: nothing left to cancel
    expect(await jobs.cancel(kept.scheduleName as string)).toEqual({ outcome: "not-found" });
  });

  it("gives a FIFO job's schedule its message group", async () => {
    const queueUrl = await createTestQueue(sqs, "later", {
      fifo: true,
      attributes: { ContentBasedDeduplication: "true" },
    });
    const jobs = new JobClient({ queueUrl, sqs, scheduler: { roleArn } });
    const at = new Date((await schedulerNow()) + 20 * 60_000);
    const sent = await jobs.send(sendEmail, { to: "f@example.com", subject: "fifo" }, { at });
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: sent.scheduleName }));
    expect(schedule.Target?.SqsParameters).toEqual({ MessageGroupId: "f@example.com" });
    await advanceClock(20 * 60_000 + 1_000);
    const [message] = await drainQueue(sqs, queueUrl, { expect: 1, quietMs: 300 });
    expect(message?.Attributes?.MessageGroupId).toBe("f@example.com");
    expect(decodeEnvelope(message?.Body ?? "").id).toBe(sent.jobId);
  });

  it("keeps SQS's own delay up to 900 s: no schedule", async () => {
    const queueUrl = await createTestQueue(sqs, "short");
    const jobs = new JobClient({ queueUrl, sqs, scheduler: { roleArn } });
    const sent = await jobs.send(sendEmail, { to: "s@example.com", subject: "soon" }, { delaySeconds: 900 });
    expect(sent.scheduleName).toBeUndefined();
    expect(sent.messageId).not.toBe("");
    expect(await queueDepth(sqs, queueUrl)).toMatchObject({ delayed: 1 });
  });

  it("refuses a bad at or a missing role before any network call", async () => {
    const nowhere = "http://127.0.0.1:1/000000000000/nowhere";
    const jobs = new JobClient({ queueUrl: nowhere, sqs, scheduler: { roleArn } });
    const payload = { to: "a@example.com", subject: "x" };
    for (const at of [
      new Date(Date.now() - 60_000),
      new Date(Date.now() + 366 * 24 * HOUR),
      new Date(Number.NaN),
    ]) {
      await expect(jobs.send(sendEmail, payload, { at })).rejects.toThrow(InvalidOptionError);
      await expect(jobs.sendBatch(sendEmail, [payload], { at })).rejects.toThrow(InvalidOptionError);
    }
    await expect(jobs.send(sendEmail, payload, { at: new Date(Date.now() - 60_000) })).rejects.toThrow(
      /at must be in the future and at most 365 days ahead, but .* is 60 s in the past/,
    );
    await expect(
      jobs.send(sendEmail, payload, { at: new Date(Date.now() + HOUR), delaySeconds: 5 }),
    ).rejects.toThrow(/either delaySeconds or at/);
    const noRole = new JobClient({ queueUrl: nowhere, queue: "email", sqs });
    await expect(noRole.send(sendEmail, payload, { delaySeconds: 3_600 })).rejects.toThrow(ConfigError);
    await expect(noRole.send(sendEmail, payload, { delaySeconds: 3_600 })).rejects.toThrow(
      /SQS_JOBS_EMAIL_SCHEDULER_ROLE_ARN/,
    );
  });

  it("sends a batch of 1,000 for later with one result per item, none lost", async () => {
    const queueUrl = await createTestQueue(sqs, "bulk");
    const jobs = new JobClient({ queueUrl, sqs, scheduler: { roleArn } });
    const payloads = Array.from({ length: 1_000 }, (_, i) => ({ to: `u${i}@example.com`, subject: `n${i}` }));
    let progress = 0;
    const result = await jobs.sendBatch(sendEmail, payloads, {
      at: new Date((await schedulerNow()) + 2 * HOUR),
      concurrency: 32,
      onProgress: (done) => {
        progress = done;
      },
    });
    expect(result).toMatchObject({ succeeded: 1_000, failed: 0 });
    expect(progress).toBe(1_000);
    expect(result.items.map((i) => i.index)).toEqual(payloads.map((_, i) => i));
    const names = new Set(result.items.map((i) => (i.ok ? i.scheduleName : undefined)));
    expect(names.size).toBe(1_000);
    const listed = await scheduler.send(
      new ListSchedulesCommand({ NamePrefix: "sqs-jobs-", MaxResults: 100 }),
    );
    expect(listed.Schedules?.length).toBe(100);
    await advanceClock(2 * HOUR + 1_000);
    const landed = await drainQueue(sqs, queueUrl, { expect: 1_000, quietMs: 500 });
    expect(new Set(landed.map((m) => decodeEnvelope(m.Body ?? "").id))).toEqual(
      new Set(result.items.map((i) => i.jobId)),
    );
  });

  it("retries CreateSchedule when Scheduler throttles, and reports a refusal as SendError", async () => {
    // Given a proxy that answers the first two CreateSchedule calls with ThrottlingException
    let creates = 0;
    const proxy = createServer((req, res) => {
      if (req.method === "POST" && req.url?.startsWith("/schedules/") && ++creates <= 2) {
        req.resume();
        res
          .writeHead(429, { "content-type": "application/json", "x-amzn-errortype": "ThrottlingException" })
          .end(JSON.stringify({ Message: "Rate exceeded" }));
        return;
      }
      const target = new URL(endpoint);
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const client = new SchedulerClient({
        endpoint: `http://127.0.0.1:${port}`,
        region: "us-east-1",
        maxAttempts: 1,
      });
      const queueUrl = await createTestQueue(sqs, "throttled");
      const jobs = new JobClient({ queueUrl, sqs, scheduler: { roleArn, client } });
      // When a job is sent for an hour after the scheduler's now (earlier tests moved its clock
      // hours ahead of the wall clock: an hour after the wall clock would be due, fire at once and
      // delete itself before the check below)
      const at = new Date((await schedulerNow()) + HOUR);
      const sent = await jobs.send(sendEmail, { to: "t@example.com", subject: "x" }, { at });
      // Then it was created on the third try
      expect(creates).toBe(3);
      expect((await scheduler.send(new GetScheduleCommand({ Name: sent.scheduleName }))).Name).toBe(
        sent.scheduleName,
      );
      // And a refusal (an empty role ARN) is a SendError that says nothing was created
      const refused = new JobClient({ queueUrl, sqs, scheduler: { roleArn: "", client } });
      const error = await refused
        .send(sendEmail, { to: "t@example.com", subject: "x" }, { delaySeconds: 3_600 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SendError);
      expect(error).toMatchObject({
        maybeSent: false,
        message: expect.stringMatching(/ValidationException/),
      });
    } finally {
      proxy.close();
    }
  });
});
