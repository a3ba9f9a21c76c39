import { randomUUID } from "node:crypto";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import type { Message } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { JOB_NAME_ATTRIBUTE } from "../../src/core/job-name-attribute.ts";
import { queueNameOf } from "../../src/core/queue-url.ts";
import {
  ConfigError,
  defineJob,
  handle,
  InvalidOptionError,
  JobClient,
  PayloadTooLargeError,
  publishedCopyId,
  startWorker,
  TopicNotFoundError,
  ValidationError,
} from "../../src/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { createTestQueue, drainQueue, queueArn, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";

const sqs = testSqs();
const sns = new SNSClient({ endpoint: inject("sqsEndpoint"), region: process.env.AWS_REGION ?? "us-east-1" });

const reportReady = defineJob({
  name: "report.ready",
  schema: z.object({ reportId: z.string(), region: z.string(), pages: z.number().default(1) }),
  attributes: { region: (p) => p.region, pages: (p) => p.pages },
});
const invoiceDue = defineJob({ name: "invoice.due", schema: z.object({ invoiceId: z.string() }) });

async function createTopic(fifo = false): Promise<string> {
  const name = `events-${randomUUID().slice(0, 8)}${fifo ? ".fifo" : ""}`;
  const out = await sns.send(
    new CreateTopicCommand({ Name: name, ...(fifo ? { Attributes: { FifoTopic: "true" } } : {}) }),
  );
  return out.TopicArn ?? "";
}

/** A queue subscribed to the topic with raw delivery and `filter`, as `JobTopic.subscribe` makes it. */
async function subscribedQueue(
  topicArn: string,
  label: string,
  filter: object,
  fifo = false,
): Promise<string> {
  const queueUrl = await createTestQueue(sqs, label, { fifo });
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: await queueArn(sqs, queueUrl),
      Attributes: { RawMessageDelivery: "true", FilterPolicy: JSON.stringify(filter) },
    }),
  );
  return queueUrl;
}

const jobsOf = (messages: readonly Message[]) =>
  messages.map((m) => m.MessageAttributes?.[JOB_NAME_ATTRIBUTE]?.StringValue);

describe("publish", () => {
  it("reaches exactly the queues whose filters match, each with the body a send would give", async () => {
    // Given a topic, a queue for EU reports, one for every report, and one for invoices only
    const topicArn = await createTopic();
    const eu = await subscribedQueue(topicArn, "eu", {
      [JOB_NAME_ATTRIBUTE]: ["report.ready"],
      region: ["eu"],
    });
    const all = await subscribedQueue(topicArn, "all", { [JOB_NAME_ATTRIBUTE]: ["report.ready"] });
    const invoices = await subscribedQueue(topicArn, "invoices", { [JOB_NAME_ATTRIBUTE]: ["invoice.due"] });
    const events = new JobClient({ topicArn, sns, ledger: false });
    // When an EU report and a US report are published, then an invoice (the third queue can receive)
    const { jobId } = await events.publish(reportReady, { reportId: "r-1", region: "eu" });
    await events.publish(reportReady, { reportId: "r-2", region: "us" });
    await events.publish(invoiceDue, { invoiceId: "i-1" });
    // Then the EU queue has the EU report only, the second queue both reports, the third the invoice only
    const euMessages = await drainQueue(sqs, eu, { expect: 1 });
    expect(jobsOf(euMessages)).toEqual(["report.ready"]);
    const body = JSON.parse(euMessages[0]?.Body ?? "{}");
    expect(body).toMatchObject({
      job: "report.ready",
      id: jobId,
      payload: { reportId: "r-1", region: "eu" },
    });
    expect(euMessages[0]?.MessageAttributes?.pages).toMatchObject({ DataType: "Number", StringValue: "1" });
    expect(jobsOf(await drainQueue(sqs, all, { expect: 2 }))).toEqual(["report.ready", "report.ready"]);
    expect(jobsOf(await drainQueue(sqs, invoices, { expect: 1 }))).toEqual(["invoice.due"]);
  });

  it("publishBatch: one result per payload, in order, across requests of 10", async () => {
    // Given a topic and a queue for every report
    const topicArn = await createTopic();
    const all = await subscribedQueue(topicArn, "batch", { [JOB_NAME_ATTRIBUTE]: ["report.ready"] });
    const events = new JobClient({ topicArn, sns, ledger: false });
    // When 25 reports are published
    const reports = Array.from({ length: 25 }, (_, i) => ({ reportId: `r-${i}`, region: "eu" }));
    const result = await events.publishBatch(reportReady, reports);
    // Then each has its result and the queue holds all 25
    expect(result).toMatchObject({ succeeded: 25, failed: 0 });
    expect(result.items.map((item) => item.index)).toEqual(reports.map((_, i) => i));
    expect(result.items.every((item) => item.ok && item.messageId !== "")).toBe(true);
    const received = await drainQueue(sqs, all, { expect: 25 });
    expect(new Set(received.map((m) => JSON.parse(m.Body ?? "{}").payload.reportId)).size).toBe(25);
  });

  it("FIFO topic to FIFO queue: a message group arrives in publish order", async () => {
    // Given a FIFO topic and a FIFO queue subscribed to it
    const topicArn = await createTopic(true);
    const queue = await subscribedQueue(
      topicArn,
      "ordered",
      { [JOB_NAME_ATTRIBUTE]: ["report.ready"] },
      true,
    );
    const events = new JobClient({ topicArn, sns, ledger: false });
    // When 30 reports of one group are published in one batch, then 5 more one by one
    const reports = Array.from({ length: 35 }, (_, i) => ({ reportId: `r-${i}`, region: "eu" }));
    const batch = await events.publishBatch(reportReady, reports.slice(0, 30), {
      groupId: "g",
      concurrency: 4,
    });
    expect(batch.failed).toBe(0);
    for (const report of reports.slice(30)) await events.publish(reportReady, report, { groupId: "g" });
    // Then the queue holds them in that order
    const received: Message[] = [];
    await eventually(
      async () => {
        received.push(...(await drainQueue(sqs, queue, { quietMs: 300 })));
        return received.length;
      },
      (n) => n >= 35,
      15_000,
    );
    expect(received.map((m) => JSON.parse(m.Body ?? "{}").payload.reportId)).toEqual(
      reports.map((r) => r.reportId),
    );
  });

  it("refuses a job above SNS's 256 KiB before any call, naming the topic's limit", async () => {
    // Given a client for a topic that does not exist: any call would fail with another error
    const events = new JobClient({
      topicArn: "arn:aws:sns:us-east-1:000000000000:nowhere",
      sns,
      ledger: false,
    });
    const big = { reportId: "x".repeat(262_144), region: "eu" };
    // When a job whose body alone passes 256 KiB is published, alone and in a batch
    const single = events.publish(reportReady, big);
    // Then it is refused as too large for the topic, not as a missing topic
    await expect(single).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(single).rejects.toThrow(/the topic accepts at most 262144 bytes/);
    await expect(events.publishBatch(reportReady, [big])).rejects.toBeInstanceOf(ValidationError);
    // And a job that fits reaches SNS, which says the topic is missing
    await expect(events.publish(reportReady, { reportId: "r", region: "eu" })).rejects.toBeInstanceOf(
      TopicNotFoundError,
    );
  });

  it("refuses what a topic cannot do before any call: a delay, a unique key; and says which client lacks what", async () => {
    const events = new JobClient({
      topicArn: "arn:aws:sns:us-east-1:000000000000:nowhere",
      sns,
      ledger: false,
    });
    const report = { reportId: "r", region: "eu" };
    const delayed = { delaySeconds: 5 } as Parameters<typeof events.publish>[2];
    await expect(events.publish(reportReady, report, delayed)).rejects.toBeInstanceOf(InvalidOptionError);
    const once = defineJob({
      name: "once",
      schema: z.object({ id: z.string() }),
      unique: { key: (p) => p.id, windowSeconds: 60 },
    });
    await expect(events.publish(once, { id: "a" })).rejects.toThrow(/unique key, which publish cannot hold/);
    // A client given only a topic publishes only; one given only a queue cannot publish
    await expect(events.send(invoiceDue, { invoiceId: "i" })).rejects.toThrow(/publishes only/);
    expect(() => events.queueUrl).toThrow(ConfigError);
    const queueOnly = new JobClient({ queueUrl: "http://127.0.0.1:1/000000000000/q", ledger: false });
    await expect(queueOnly.publish(invoiceDue, { invoiceId: "i" })).rejects.toThrow(/publish needs a topic/);
  });

  it("refuses an attribute function's bad value at the validate step", async () => {
    const odd = defineJob({
      name: "odd",
      schema: z.object({ n: z.number() }),
      attributes: { half: (p) => (p.n % 2 === 0 ? p.n / 2 : ({} as string)) },
    });
    const events = new JobClient({
      topicArn: "arn:aws:sns:us-east-1:000000000000:nowhere",
      sns,
      ledger: false,
    });
    await expect(events.publish(odd, { n: 3 })).rejects.toMatchObject({
      name: "ValidationError",
      issues: [{ path: ["attributes", "half"], kind: "attribute" }],
    });
  });

  it("each queue's copy is its own job: two queues on one ledger both run it, under their own ids", async () => {
    // Given two queues subscribed to every report, consumed by workers sharing one ledger
    const topicArn = await createTopic();
    const first = await subscribedQueue(topicArn, "copy-a", { [JOB_NAME_ATTRIBUTE]: ["report.ready"] });
    const second = await subscribedQueue(topicArn, "copy-b", { [JOB_NAME_ATTRIBUTE]: ["report.ready"] });
    const ledger = ledgerFixture();
    const tableName = (await ledger.newLedger()).tableName;
    const ran: string[] = [];
    const worker = (queueUrl: string) =>
      startWorker({
        queueUrl,
        sqs,
        ledger: { dynamodb: ledger.client, tableName },
        waitTimeSeconds: 1,
        handleSignals: false,
        handlers: [handle(reportReady, async (_payload, ctx) => void ran.push(ctx.jobId))],
      });
    const workers = [worker(first), worker(second)];
    // When one report is published
    const events = new JobClient({ topicArn, sns, ledger: false });
    const { jobId } = await events.publish(reportReady, { reportId: "r-1", region: "eu" });
    // Then both queues ran their copy once, each under `<queue>:<jobId>`, and the ledger has both
    await eventually(
      async () => ran.length,
      (n) => n >= 2,
      15_000,
    );
    await Promise.all(workers.map((w) => w.stop()));
    const copies = [first, second].map((q) => publishedCopyId(queueNameOf(q), jobId));
    expect([...ran].sort()).toEqual([...copies].sort());
    const reader = new JobClient({ topicArn, sns, ledger: { dynamodb: ledger.client, tableName } });
    for (const copy of copies)
      expect(await reader.getJob(reportReady, copy)).toMatchObject({ status: "succeeded" });
    expect(await reader.getJob(reportReady, jobId)).toBeUndefined();
  });
});
