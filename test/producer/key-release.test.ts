import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { defineJob, JobClient, QueueNotFoundError, SendError } from "../../src/index.ts";
import { createTestQueue, drainQueue, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";
import { type FaultProxy, type FaultRates, startFaultProxy } from "../reliability/fault-proxy.ts";

// A send that certainly did not reach the queue must give its unique key back: otherwise every
// later send of that key is answered `deduplicated` onto a job that never existed.

const sqs = testSqs();
const endpoint = inject("sqsEndpoint");
const { client: dynamodb, newLedger } = ledgerFixture();
const roleArn = "arn:aws:iam::000000000000:role/scheduler";
const DAY = 86_400_000;

const welcome = defineJob({
  name: "welcome",
  schema: z.object({ to: z.string() }),
  unique: { key: (p) => p.to, windowSeconds: 3600 },
});

let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy({ target: endpoint });
});
afterAll(() => proxy.close());

/** An SQS and a Scheduler client whose calls go through the fault proxy with these rates. */
function faulty(rates: Readonly<Record<string, FaultRates>>, maxAttempts = 1) {
  proxy.setRates(rates);
  const region = process.env.AWS_REGION ?? "us-east-1";
  return {
    sqs: new SQSClient({ endpoint: proxy.endpoint, region, useQueueUrlAsEndpoint: false, maxAttempts }),
    scheduler: new SchedulerClient({ endpoint: proxy.endpoint, region, maxAttempts }),
  };
}

/** A queue, a ledger, and a client that sends there without faults. */
async function rig(label: string) {
  const queueUrl = await createTestQueue(sqs, label);
  const { tableName } = await newLedger();
  const ledger = { tableName, dynamodb };
  const healthy = new JobClient({ queueUrl, sqs, ledger });
  /** The key is free: a send of it now goes to the queue. */
  const expectFree = async (to: string) => {
    const again = await healthy.send(welcome, { to });
    expect(again.deduplicated).toBe(false);
    return again;
  };
  return { queueUrl, ledger, healthy, expectFree };
}

describe("a send that certainly failed gives its unique key back", () => {
  it("send refused by SQS (AccessDenied): the same key sent again is delivered, not deduplicated", async () => {
    const { queueUrl, ledger, expectFree } = await rig("release-denied");
    const refused = new JobClient({ queueUrl, sqs: faulty({ SendMessage: { deny: 1 } }).sqs, ledger });
    const error = await refused.send(welcome, { to: "a" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendError);
    expect(error).toMatchObject({ maybeSent: false });
    const again = await expectFree("a");
    const [message, ...rest] = await drainQueue(sqs, queueUrl, { expect: 1 });
    expect(rest).toHaveLength(0);
    expect(message?.Body).toContain(again.jobId);
  });

  it("send throttled past the SDK's retries: the key is free again", async () => {
    const { queueUrl, ledger, expectFree } = await rig("release-throttled");
    const refused = new JobClient({ queueUrl, sqs: faulty({ SendMessage: { throttle: 1 } }, 2).sqs, ledger });
    const error = await refused.send(welcome, { to: "a" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "SendError", maybeSent: false });
    expect(proxy.counts.SendMessage?.throttle).toBeGreaterThanOrEqual(2);
    await expectFree("a");
  });

  it("send to a queue that does not exist: the key is free for the right queue", async () => {
    const { queueUrl, ledger, expectFree } = await rig("release-missing");
    const wrong = new JobClient({ queueUrl: `${queueUrl}-typo`, sqs, ledger });
    await expect(wrong.send(welcome, { to: "a" })).rejects.toBeInstanceOf(QueueNotFoundError);
    await expectFree("a");
  });

  it("sendBatch to a queue that does not exist (it throws): every key is free", async () => {
    const { queueUrl, ledger, healthy } = await rig("release-batch-missing");
    const wrong = new JobClient({ queueUrl: `${queueUrl}-typo`, sqs, ledger });
    const payloads = Array.from({ length: 25 }, (_, i) => ({ to: `r${i}` }));
    await expect(wrong.sendBatch(welcome, payloads)).rejects.toBeInstanceOf(QueueNotFoundError);
    const again = await healthy.sendBatch(welcome, payloads);
    expect(again.items.filter((i) => i.ok && i.deduplicated)).toEqual([]);
    expect(again.succeeded).toBe(25);
  });

  it("sendBatch whose ledger write fails part-way: that chunk is not sent and no key of it stays held, in flight or not", async () => {
    const { queueUrl, ledger, healthy } = await rig("release-batch-ledger");
    // The first key reservation is refused for good; the others of its chunk were in flight or still to come.
    const limited = await startFaultProxy({
      target: endpoint,
      rates: { PutItem: { deny: 1 } },
      maxFaults: 1,
    });
    try {
      const viaProxy = new DynamoDBClient({
        endpoint: limited.endpoint,
        region: "us-east-1",
        maxAttempts: 1,
      });
      const refused = new JobClient({ queueUrl, sqs, ledger: { ...ledger, dynamodb: viaProxy } });
      const payloads = Array.from({ length: 40 }, (_, i) => ({ to: `r${i}` }));
      const out = await refused.sendBatch(welcome, payloads);
      expect(limited.counts.PutItem?.deny).toBe(1);
      // Keys are reserved per chunk of 10 (the delivery unit): one chunk failed, the others went.
      const failed = out.items.filter((i) => !i.ok);
      expect(failed).toHaveLength(10);
      for (const item of failed) {
        expect(item).toMatchObject({ possibleDuplicate: false, error: expect.stringMatching(/job ledger/) });
      }
      expect(out.succeeded).toBe(30);
      const again = await healthy.sendBatch(welcome, payloads);
      const sentBefore = new Set(out.items.filter((i) => i.ok).map((i) => i.index));
      const deduplicated = again.items.filter((i) => i.ok && i.deduplicated).map((i) => i.index);
      expect(deduplicated).toEqual([...sentBefore].sort((a, b) => a - b));
      expect(again.succeeded).toBe(40);
    } finally {
      await limited.close();
    }
  });

  it("a send whose attempt got no answer (500) keeps its key: SQS may hold the job", async () => {
    const { queueUrl, ledger, healthy } = await rig("keep-ambiguous");
    const unsure = new JobClient({ queueUrl, sqs: faulty({ SendMessage: { error500: 1 } }).sqs, ledger });
    const error = await unsure.send(welcome, { to: "a" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "SendError", maybeSent: true });
    expect(await healthy.send(welcome, { to: "a" })).toMatchObject({ deduplicated: true });
  });

  it("send { at } refused by Scheduler (AccessDenied): the key is free again", async () => {
    const { queueUrl, ledger, expectFree } = await rig("release-at-denied");
    const { scheduler } = faulty({ "*": { deny: 1 } });
    const refused = new JobClient({ queueUrl, sqs, ledger, scheduler: { roleArn, client: scheduler } });
    const at = new Date(Date.now() + 2 * DAY);
    const error = await refused.send(welcome, { to: "a" }, { at }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "SendError", maybeSent: false });
    await expectFree("a");
  });

  it("sendBatch { at } refused by Scheduler: each failed item's key is free again", async () => {
    const { queueUrl, ledger, expectFree } = await rig("release-batch-at-denied");
    const { scheduler } = faulty({ "*": { deny: 1 } });
    const refused = new JobClient({ queueUrl, sqs, ledger, scheduler: { roleArn, client: scheduler } });
    const at = new Date(Date.now() + 2 * DAY);
    const out = await refused.sendBatch(welcome, [{ to: "a" }, { to: "b" }], { at });
    expect(out.items).toMatchObject([
      { ok: false, possibleDuplicate: false },
      { ok: false, possibleDuplicate: false },
    ]);
    await expectFree("a");
    await expectFree("b");
  });

  it("send and sendBatch { at } where the schedule's target cannot be built: the keys are free", async () => {
    const { queueUrl, ledger, expectFree } = await rig("release-at-target");
    // A local queue URL without the account part: its ARN cannot be told, so no schedule can be made.
    const noArn = new JobClient({
      queueUrl: `${endpoint}/${queueUrl.split("/").at(-1)}`,
      sqs,
      ledger,
      scheduler: { roleArn },
    });
    const at = new Date(Date.now() + 2 * DAY);
    await expect(noArn.send(welcome, { to: "a" }, { at })).rejects.toThrow(/queue ARN/);
    await expect(noArn.sendBatch(welcome, [{ to: "b" }, { to: "c" }], { at })).rejects.toThrow(/queue ARN/);
    for (const to of ["a", "b", "c"]) await expectFree(to);
  });
});

describe("a unique key reserved by an attempt whose answer was lost", () => {
  it("send: the SDK's retry finds its own reservation, and the job is sent, not deduplicated onto itself", async () => {
    const { queueUrl, ledger } = await rig("reserve-lost-answer");
    // The first PutItem (the key's reservation) is applied, then its answer is lost; the SDK
    // tries again and meets the key its own first attempt took.
    const lossy = await startFaultProxy({
      target: endpoint,
      rates: { PutItem: { resetAfter: 1 } },
      maxFaults: 1,
    });
    try {
      const viaProxy = new DynamoDBClient({ endpoint: lossy.endpoint, region: "us-east-1", maxAttempts: 3 });
      const client = new JobClient({ queueUrl, sqs, ledger: { ...ledger, dynamodb: viaProxy } });
      const sent = await client.send(welcome, { to: "a" });
      expect(lossy.counts.PutItem?.resetAfter).toBe(1);
      expect(sent.deduplicated).toBe(false);
      const [message, ...rest] = await drainQueue(sqs, queueUrl, { expect: 1 });
      expect(rest).toHaveLength(0);
      expect(message?.Body).toContain(sent.jobId);
    } finally {
      await lossy.close();
    }
  });
});
