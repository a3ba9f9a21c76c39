import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import * as sqsSdk from "@aws-sdk/client-sqs";
import { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { defineJob, JobClient } from "../../src/index.ts";
import { queueChannel } from "../../src/producer/delivery-channel.ts";
import { prepareMessage } from "../../src/producer/message.ts";
import { ProgressReport } from "../../src/producer/progress.ts";
import { deliverEach } from "../../src/producer/send-each.ts";
import type { SendGate } from "../../src/producer/send-gate.ts";
import { sendNow } from "../../src/producer/send-now.ts";
import { LedgerGate } from "../../src/producer/tracked-send.ts";
import { createTestQueue, drainQueue, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";

// Two sends of one unique key at once: the second must not be answered `deduplicated` onto the
// first until the first's job is known to be on the queue (or may be), else a refused first send
// leaves the second's caller believing in a job that never existed.

const sqs = testSqs();
const endpoint = inject("sqsEndpoint");
const { client: dynamodb, newLedger } = ledgerFixture();

const welcome = defineJob({
  name: "welcome",
  schema: z.object({ to: z.string() }),
  unique: { key: (p) => p.to, windowSeconds: 3600 },
});

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

/** An SQS client that waits for `gate` at each request, then answers with `outcome`. */
function gatedSqs(atSqs: () => void, gate: Promise<void>, outcome: "refuse" | "pass"): SQSClient {
  const client = new SQSClient({
    endpoint,
    region: "us-east-1",
    maxAttempts: 1,
    useQueueUrlAsEndpoint: false,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      atSqs();
      await gate;
      if (outcome === "pass") return next(args);
      throw Object.assign(new Error("not allowed"), {
        name: "AccessDenied",
        $fault: "client",
        $metadata: { httpStatusCode: 403 },
      });
    },
    { step: "finalizeRequest" },
  );
  return client;
}

/** A DynamoDB client that fires `sawHeld` when a conditional write is refused (a key found taken). */
function watchedDynamoDb(sawHeld: () => void): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint, region: "us-east-1" });
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if ((error as Error).name === "ConditionalCheckFailedException") sawHeld();
        throw error;
      }
    },
    { step: "initialize" },
  );
  return client;
}

async function race(label: string, first: "refuse" | "pass") {
  const queueUrl = await createTestQueue(sqs, label);
  const { tableName } = await newLedger();
  const gate = signal();
  const atSqs = signal();
  const sawHeld = signal();
  const a = new JobClient({
    queueUrl,
    sqs: gatedSqs(atSqs.fire, gate.promise, first),
    ledger: { tableName, dynamodb },
  });
  const b = new JobClient({ queueUrl, sqs, ledger: { tableName, dynamodb: watchedDynamoDb(sawHeld.fire) } });

  const firstSend = a.send(welcome, { to: "a" }).catch((e: unknown) => e);
  await atSqs.promise; // the first send holds the key and is on its way to SQS
  const secondSend = b.send(welcome, { to: "a" });
  await sawHeld.promise; // the second send has found the key taken by the first
  gate.fire();
  return { queueUrl, first: await firstSend, second: await secondSend };
}

describe("two sends of one unique key at once", () => {
  it("the first refused: the second's job is delivered, not deduplicated onto the refused one", async () => {
    const { queueUrl, first, second } = await race("key-race-refused", "refuse");
    expect(first).toMatchObject({ name: "SendError", maybeSent: false });
    expect(second.deduplicated).toBe(false);
    const messages = await drainQueue(sqs, queueUrl, { expect: 1 });
    expect(messages.map((m) => m.Body?.includes(second.jobId))).toEqual([true]);
  });

  it("the first delivered: the second waits for it and is deduplicated onto it", async () => {
    const { queueUrl, first, second } = await race("key-race-sent", "pass");
    expect(first).toMatchObject({ deduplicated: false });
    expect(second).toMatchObject({ deduplicated: true, jobId: (first as { jobId: string }).jobId });
    const messages = await drainQueue(sqs, queueUrl, { expect: 1 });
    expect(messages.map((m) => m.Body?.includes(second.jobId))).toEqual([true]);
  });

  it("a key left pending by a producer that died is held once its lease ends: no second job", async () => {
    // Given a key taken (pending, 200 ms lease) by a send that never confirmed nor released it
    const queueUrl = await createTestQueue(sqs, "key-race-dead");
    const ledger = await newLedger();
    const taken = await ledger.reserveUnique("welcome", "a", "dead-producer-job", {
      windowSeconds: 3600,
      pendingMs: 200,
    });
    expect(taken).toEqual({ kind: "taken" });
    // When another producer sends the key
    const client = new JobClient({ queueUrl, sqs, ledger: { tableName: ledger.tableName, dynamodb } });
    const started = Date.now();
    const sent = await client.send(welcome, { to: "a" });
    // Then it waited for the lease (+1 s clock-skew allowance), no longer, and sent nothing:
    // the dead producer's job may be on the queue
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1_000);
    expect(waited).toBeLessThan(5_000);
    expect(sent).toMatchObject({ deduplicated: true, jobId: "dead-producer-job" });
    expect(await drainQueue(sqs, queueUrl, { quietMs: 300 })).toEqual([]);
  });

  it("sendBatch with one key twice: the later item is deduplicated onto the earlier at once", async () => {
    const queueUrl = await createTestQueue(sqs, "key-race-batch");
    const { tableName } = await newLedger();
    const client = new JobClient({ queueUrl, sqs, ledger: { tableName, dynamodb } });
    const started = Date.now();
    const out = await client.sendBatch(welcome, [{ to: "a" }, { to: "a" }]);
    expect(Date.now() - started).toBeLessThan(5_000);
    const [one, two] = out.items;
    expect(one).toMatchObject({ ok: true, deduplicated: false });
    expect(two).toMatchObject({ ok: true, deduplicated: true, jobId: one?.jobId });
    expect(await drainQueue(sqs, queueUrl, { expect: 1 })).toHaveLength(1);
  });

  it("a send still running at its keys' deadline is cut short and keeps its key: it may be in SQS", async () => {
    // Given a reserved job whose deadline is 100 ms away, and an SQS endpoint that never answers
    const ledger = await newLedger();
    const prepared = await prepareMessage(welcome, { to: "a" }, {}, false);
    if (!prepared.ok) throw new Error("invalid payload");
    const target = { queue: "q", runsAt: undefined, sqsDeduplicates: false };
    const gate = new LedgerGate(ledger, welcome, [prepared.message], target);
    let sendBy: number | undefined;
    const soon: SendGate = {
      open: async (messages) => {
        const opening = await gate.open(messages);
        sendBy = opening.sendBy;
        return { ...opening, sendBy: Date.now() + 100 };
      },
      close: (settled) => gate.close(settled),
      abandon: (error) => gate.abandon(error),
    };
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const hanging = new SQSClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      maxAttempts: 1,
      useQueueUrlAsEndpoint: false,
    });
    try {
      // When it is sent
      const started = Date.now();
      const progress = new ProgressReport(undefined, 1);
      const [cut] = await deliverEach(
        [prepared.message],
        soon,
        { concurrency: 1, progress },
        sendNow(
          queueChannel({ client: hanging, sdk: sqsSdk }, `http://127.0.0.1:${port}/000000000000/q`),
          welcome,
        ),
      );
      // Then it ended at the deadline as "may be in SQS", and the key is held (confirmed), not pending nor free
      expect(sendBy).toBeGreaterThan(started + 20_000);
      expect(cut).toMatchObject({ ok: false, possibleDuplicate: true });
      expect(cut?.ok === false ? cut.cause : undefined).toMatchObject({ name: "SendError", maybeSent: true });
      expect(Date.now() - started).toBeLessThan(2_000);
      const found = await ledger.reserveUnique("welcome", "a", "next", { windowSeconds: 3600, pendingMs: 1 });
      expect(found).toEqual({ kind: "held", by: prepared.message.jobId });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
