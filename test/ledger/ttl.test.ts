import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, JobClient, SendError } from "../../src/index.ts";
import {
  jobItemKey,
  LEDGER_KEY,
  LEDGER_TTL_ATTRIBUTE,
  uniqueItemKey,
} from "../../src/ledger/table-layout.ts";
import { createTestQueue, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "./fixture.ts";

// A job sent for later must keep its ledger entry and its unique key until after it runs: the
// retention counts from when it is due, not from the send.

const sqs = testSqs();
const { client: dynamodb, endpoint, newLedger } = ledgerFixture();
const roleArn = "arn:aws:iam::000000000000:role/scheduler";
const DAY_S = 86_400;
const RETENTION_DAYS = 14;
const WINDOW_S = 3600;

const reminder = defineJob({
  name: "reminder",
  schema: z.object({ to: z.string() }),
  unique: { key: (p) => p.to, windowSeconds: WINDOW_S },
});

async function rig(label: string) {
  const queueUrl = await createTestQueue(sqs, label);
  const { tableName } = await newLedger();
  const jobs = new JobClient({
    queueUrl,
    sqs,
    ledger: { tableName, dynamodb, retentionDays: RETENTION_DAYS },
    scheduler: { roleArn },
  });
  const item = async (pk: string) => {
    const out = await dynamodb.send(
      new GetItemCommand({ TableName: tableName, Key: { [LEDGER_KEY]: { S: pk } }, ConsistentRead: true }),
    );
    return out.Item;
  };
  const expiresAt = async (pk: string) => Number((await item(pk))?.[LEDGER_TTL_ATTRIBUTE]?.N);
  return { jobs, item, expiresAt };
}

describe("the ledger's TTL for jobs sent for later", () => {
  it("a job sent 200 days ahead keeps its entry for the retention after it is due, and its key until it has run", async () => {
    // Given a ledger keeping entries 14 days
    const { jobs, expiresAt } = await rig("ttl-at");
    const at = new Date(Date.now() + 200 * DAY_S * 1000);
    const atS = Math.floor(at.getTime() / 1000);
    // When a job with a unique key is sent for 200 days from now
    const sent = await jobs.send(reminder, { to: "a" }, { at });
    try {
      // Then its entry lives 14 days past its run, not 14 days past the send
      expect(await expiresAt(jobItemKey(sent.jobId))).toBeGreaterThanOrEqual(atS + RETENTION_DAYS * DAY_S);
      // And its key's window ends an hour after it is due: a second send meanwhile is deduplicated
      expect(await expiresAt(uniqueItemKey("reminder", "a"))).toBeGreaterThanOrEqual(atS + WINDOW_S);
      expect(await jobs.send(reminder, { to: "a" })).toMatchObject({ deduplicated: true, jobId: sent.jobId });
    } finally {
      await jobs.cancel(sent.jobId);
    }
  });

  it("sendBatch { at } records the same expiry for every job", async () => {
    const { jobs, expiresAt } = await rig("ttl-batch-at");
    const at = new Date(Date.now() + 200 * DAY_S * 1000);
    const out = await jobs.sendBatch(reminder, [{ to: "a" }, { to: "b" }], { at });
    try {
      for (const item of out.items) {
        expect(await expiresAt(jobItemKey(item.jobId))).toBeGreaterThanOrEqual(
          Math.floor(at.getTime() / 1000) + RETENTION_DAYS * DAY_S,
        );
      }
    } finally {
      for (const item of out.items) await jobs.cancel(item.jobId);
    }
  });

  it("cancel frees the key of the job it cancels, so the key does not wait out a window 200 days long", async () => {
    const { jobs, item } = await rig("ttl-cancel");
    const at = new Date(Date.now() + 200 * DAY_S * 1000);
    const sent = await jobs.send(reminder, { to: "a" }, { at });
    expect(await jobs.cancel(sent.jobId)).toEqual({ outcome: "cancelled" });
    expect(await item(jobItemKey(sent.jobId))).toBeUndefined();
    const again = await jobs.send(reminder, { to: "a" });
    expect(again).toMatchObject({ deduplicated: false });
    expect(again.jobId).not.toBe(sent.jobId);
  });

  it("a cancel whose ledger cannot free the key says so: the schedule is gone, the key still held", async () => {
    // Given a job with a unique key sent for 200 days from now
    const queueUrl = await createTestQueue(sqs, "ttl-cancel-refused");
    const { tableName } = await newLedger();
    const ledger = { tableName, dynamodb, retentionDays: RETENTION_DAYS };
    const jobs = new JobClient({ queueUrl, sqs, ledger, scheduler: { roleArn } });
    const sent = await jobs.send(reminder, { to: "a" }, { at: new Date(Date.now() + 200 * DAY_S * 1000) });
    // When it is cancelled through a client whose ledger refuses every delete
    const refusing = new DynamoDBClient({ endpoint, region: "us-east-1", maxAttempts: 1 });
    refusing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DeleteItemCommand") {
          throw Object.assign(new Error("not allowed"), {
            name: "AccessDeniedException",
            $fault: "client",
            $metadata: { httpStatusCode: 400 },
          });
        }
        return next(args);
      },
      { step: "initialize" },
    );
    const canceller = new JobClient({
      queueUrl,
      sqs,
      ledger: { ...ledger, dynamodb: refusing },
      scheduler: { roleArn },
    });
    const error = await canceller.cancel(sent.jobId).catch((e: unknown) => e);
    // Then the cancel is an error that says the job will not run and its key is still held
    expect(error).toBeInstanceOf(SendError);
    expect((error as Error).message).toMatch(/will not run/);
    expect((error as Error).message).toMatch(/unique key/);
    // And the schedule is gone all the same: a second cancel finds the job's queued entry, ends it
    // cancelled and frees its key
    expect(await jobs.cancel(sent.jobId)).toEqual({ outcome: "cancelled" });
    expect(await jobs.send(reminder, { to: "a" })).toMatchObject({ deduplicated: false });
    refusing.destroy();
  });

  it("a job sent now keeps the retention after now, and its key the window after now", async () => {
    const { jobs, expiresAt } = await rig("ttl-now");
    const before = Math.floor(Date.now() / 1000);
    const sent = await jobs.send(reminder, { to: "a" });
    const entry = await expiresAt(jobItemKey(sent.jobId));
    expect(entry).toBeGreaterThanOrEqual(before + RETENTION_DAYS * DAY_S);
    expect(entry).toBeLessThanOrEqual(before + RETENTION_DAYS * DAY_S + 5);
    const key = await expiresAt(uniqueItemKey("reminder", "a"));
    expect(key).toBeGreaterThanOrEqual(before + WINDOW_S);
    expect(key).toBeLessThanOrEqual(before + WINDOW_S + 5);
  });
});
