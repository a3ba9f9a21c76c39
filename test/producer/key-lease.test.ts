import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { defineJob, JobClient } from "../../src/index.ts";
import { createTestQueue, drainQueue, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";

// A unique key's lease (30 s) must cover the delivery of its own job, not the whole batch: a batch
// that reserved every key up front could see its last chunk's leases run out before that chunk was
// sent, and another producer would then read those keys as held by jobs not yet on the queue.

const sqs = testSqs();
const endpoint = inject("sqsEndpoint");
const { newLedger } = ledgerFixture();
const region = process.env.AWS_REGION ?? "us-east-1";
const DAY = 86_400_000;

const welcome = defineJob({
  name: "welcome",
  schema: z.object({ to: z.string() }),
  unique: { key: (p) => p.to, windowSeconds: 3600 },
});

/** A DynamoDB client that counts unique-key reservations (the PutItems that carry a lease). */
function countingDynamoDb() {
  const client = new DynamoDBClient({ endpoint, region });
  const counter = { reserved: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Item?: Record<string, unknown> };
      if (context.commandName === "PutItemCommand" && input.Item?.pendingUntil !== undefined) {
        counter.reserved++;
      }
      return next(args);
    },
    { step: "initialize" },
  );
  return { client, counter };
}

/** For each call, how many keys had been reserved when it went out, and how many jobs it carried. */
interface Seen {
  readonly reservedAt: number[];
  readonly entries: number[];
}

/** Notes one call in `seen` when it is `commandName`. */
function noteCall(seen: Seen, counter: { reserved: number }, commandName: string) {
  return (context: { commandName?: string }, input: object): void => {
    if (context.commandName !== commandName) return;
    seen.reservedAt.push(counter.reserved);
    seen.entries.push((input as { Entries?: unknown[] }).Entries?.length ?? 1);
  };
}

describe("a batch reserves its keys chunk by chunk, as it delivers them", () => {
  it("sendBatch: when each SendMessageBatch goes out, only the keys of the chunks sent so far are reserved", async () => {
    // Given a ledger whose key reservations are counted, and a batch of 45 unique jobs sent one request at a time
    const queueUrl = await createTestQueue(sqs, "key-lease-batch");
    const { tableName } = await newLedger();
    const { client: dynamodb, counter } = countingDynamoDb();
    const sqsClient = new SQSClient({ endpoint, region, useQueueUrlAsEndpoint: false });
    const seen: Seen = { reservedAt: [], entries: [] };
    const note = noteCall(seen, counter, "SendMessageBatchCommand");
    sqsClient.middlewareStack.add(
      (next, context) => async (args) => {
        note(context, args.input);
        return next(args);
      },
      { step: "initialize" },
    );
    const client = new JobClient({ queueUrl, sqs: sqsClient, ledger: { tableName, dynamodb } });
    const payloads = Array.from({ length: 45 }, (_, i) => ({ to: `r${i}` }));

    // When the batch is sent
    const out = await client.sendBatch(welcome, payloads, { concurrency: 1 });

    // Then every job went out, and request k found only the keys of requests 0..k reserved
    expect(out.succeeded).toBe(45);
    expect(counter.reserved).toBe(45);
    expect(seen.entries).toEqual([10, 10, 10, 10, 5]);
    let sentSoFar = 0;
    for (const [k, reserved] of seen.reservedAt.entries()) {
      sentSoFar += seen.entries[k] ?? 0;
      expect(reserved, `request ${k}`).toBeLessThanOrEqual(sentSoFar);
    }
    expect(await drainQueue(sqs, queueUrl, { expect: 45 })).toHaveLength(45);
  });

  it("sendBatch { at }: when each CreateSchedule goes out, only the keys of its chunk of 10 and those before are reserved", async () => {
    // Given a ledger whose key reservations are counted, and 25 unique jobs sent for later one schedule at a time
    const queueUrl = await createTestQueue(sqs, "key-lease-at");
    const { tableName } = await newLedger();
    const { client: dynamodb, counter } = countingDynamoDb();
    const scheduler = new SchedulerClient({ endpoint, region, maxAttempts: 1 });
    const seen: Seen = { reservedAt: [], entries: [] };
    const note = noteCall(seen, counter, "CreateScheduleCommand");
    scheduler.middlewareStack.add(
      (next, context) => async (args) => {
        note(context, args.input);
        return next(args);
      },
      { step: "initialize" },
    );
    const client = new JobClient({
      queueUrl,
      sqs,
      ledger: { tableName, dynamodb },
      scheduler: { roleArn: "arn:aws:iam::000000000000:role/scheduler", client: scheduler },
    });
    const payloads = Array.from({ length: 25 }, (_, i) => ({ to: `s${i}` }));

    // When the batch is sent for later
    const at = new Date(Date.now() + 2 * DAY);
    const out = await client.sendBatch(welcome, payloads, { at, concurrency: 1 });

    // Then every job has its schedule, and schedule i found at most the keys of chunks 0..i/10 reserved
    expect(out.succeeded).toBe(25);
    expect(seen.reservedAt).toHaveLength(25);
    for (const [i, reserved] of seen.reservedAt.entries()) {
      expect(reserved, `schedule ${i}`).toBeLessThanOrEqual(Math.min(25, (Math.floor(i / 10) + 1) * 10));
    }
  });
});
