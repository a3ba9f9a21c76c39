import { randomUUID } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DLQ_ATTRIBUTES } from "../../src/core/dead-letter-attributes.ts";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { defineJob, handle, JobClient, startWorker } from "../../src/index.ts";
import type { ClaimRequest, IdCollision, Ledger } from "../../src/ledger/ledger.ts";
import { eventually } from "../helpers/eventually.ts";
import { createTestQueue, drainQueue, queueDepth, testSqs } from "../helpers/sqs.ts";
import { claimOf, ledgerFixture } from "./fixture.ts";

const sqs = testSqs();
const { client: dynamodb, newLedger } = ledgerFixture();

const failure = { reason: undefined, name: "TypeError", message: "boom", code: undefined };

/** Brings a fresh job of `send-email` on `emails` with payload `h1` to a status, as its runs would. */
const toStatus: Record<string, (ledger: Ledger, jobId: string) => Promise<void>> = {
  queued: (ledger, jobId) =>
    ledger.recordQueued([{ jobId, job: "send-email", queue: "emails", payloadHash: "h1" }]),
  running: async (ledger, jobId) => {
    await ledger.claim(claimOf(jobId));
  },
  "running, lease expired": async (ledger, jobId) => {
    await ledger.claim(claimOf(jobId, { leaseMs: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 10));
  },
  retrying: async (ledger, jobId) => {
    const run = claimOf(jobId);
    await ledger.claim(run);
    await ledger.finish(jobId, "emails", run.runToken, { status: "retrying", failure });
  },
  succeeded: async (ledger, jobId) => {
    const run = claimOf(jobId);
    await ledger.claim(run);
    await ledger.finish(jobId, "emails", run.runToken, { status: "succeeded", resultJson: "1" });
  },
  dead: async (ledger, jobId) => {
    const run = claimOf(jobId);
    await ledger.claim(run);
    await ledger.finish(jobId, "emails", run.runToken, {
      status: "dead",
      failure: { ...failure, reason: "exhausted" },
    });
  },
  skipped: async (ledger, jobId) => {
    await ledger.recordSkipped({ jobId, job: "send-email", queue: "emails", payloadHash: "h1" });
  },
};

const others: [string, Partial<ClaimRequest>, IdCollision[]][] = [
  ["another job", { job: "charge-card" }, ["job"]],
  ["another queue", { queue: "billing" }, ["queue"]],
  ["another payload", { payloadHash: "h2" }, ["payload"]],
  [
    "another job, queue and payload",
    { job: "charge-card", queue: "billing", payloadHash: "h2" },
    ["job", "queue", "payload"],
  ],
];

describe("a job id whose ledger entry is another job's", () => {
  const statuses = Object.keys(toStatus);
  it.each(
    statuses.flatMap((status) =>
      others.map(([what, claim, differs]) => [status, what, claim, differs] as const),
    ),
  )(
    "an entry %s, claimed for %s: a collision, and the entry is left as it was",
    async (status, _what, other, differs) => {
      const ledger = await newLedger();
      const jobId = randomUUID();
      await toStatus[status]?.(ledger, jobId);
      const before = await ledger.get(jobId);
      expect(await ledger.claim(claimOf(jobId, other))).toEqual({ kind: "collision", differs });
      expect(await ledger.get(jobId)).toEqual(before);
    },
  );

  it("a job first met by a claim (no producer's entry) keeps that delivery's payload hash: another payload later is a collision", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    const run = claimOf(jobId);
    expect(await ledger.claim(run)).toEqual({ kind: "claimed", attempts: 1, cancelRequested: false });
    await ledger.finish(jobId, "emails", run.runToken, { status: "succeeded", resultJson: "1" });
    expect(await ledger.claim(claimOf(jobId, { payloadHash: "h2" }))).toEqual({
      kind: "collision",
      differs: ["payload"],
    });
    expect(await ledger.claim(claimOf(jobId))).toEqual({ kind: "finished", status: "succeeded" });
  });

  it("the legitimate meetings of one job are no collision: its producer's entry, a duplicate, a takeover, a retry, a redrive (to another queue too)", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    await toStatus.queued?.(ledger, jobId);
    const first = claimOf(jobId, { leaseMs: 1 });
    expect(await ledger.claim(first)).toEqual({ kind: "claimed", attempts: 1, cancelRequested: false });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const takeover = claimOf(jobId);
    expect(await ledger.claim(takeover)).toEqual({ kind: "claimed", attempts: 2, cancelRequested: false });
    expect(await ledger.claim(claimOf(jobId))).toMatchObject({ kind: "busy" });
    await ledger.finish(jobId, "emails", takeover.runToken, { status: "retrying", failure });
    const third = claimOf(jobId);
    expect(await ledger.claim(third)).toEqual({ kind: "claimed", attempts: 3, cancelRequested: false });
    await ledger.finish(jobId, "emails", third.runToken, {
      status: "dead",
      failure: { ...failure, reason: "exhausted" },
    });
    expect(await ledger.claim(claimOf(jobId))).toEqual({ kind: "finished", status: "dead" });
    expect(await ledger.claim(claimOf(jobId, { queue: "emails-slow", redriven: true }))).toEqual({
      kind: "claimed",
      attempts: 1,
      cancelRequested: false,
    });
    expect(await ledger.get(jobId)).toMatchObject({ status: "running", queue: "emails-slow" });
  });

  it("a redrive of another job's dead entry is still a collision, not a revival", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    await toStatus.dead?.(ledger, jobId);
    expect(await ledger.claim(claimOf(jobId, { payloadHash: "h2", redriven: true }))).toEqual({
      kind: "collision",
      differs: ["payload"],
    });
    expect(await ledger.get(jobId)).toMatchObject({ status: "dead" });
  });

  it("a skipped run's later delivery is finished, not busy forever", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    await toStatus.skipped?.(ledger, jobId);
    expect(await ledger.claim(claimOf(jobId))).toEqual({ kind: "finished", status: "skipped" });
  });
});

describe("a delivery whose job id is another job's", () => {
  it("an explicit job id reused with another payload after the first job succeeded is dead-lettered as id-collision; the first job's entry stands", async () => {
    // Given a job that ran and succeeded under its id
    const charge = defineJob({ name: "charge", schema: z.object({ cents: z.number() }) });
    const dlqUrl = await createTestQueue(sqs, "collide-dlq");
    const queueUrl = await createTestQueue(sqs, "collide", { attributes: { VisibilityTimeout: "30" } });
    const { tableName } = await newLedger();
    const ledger = { tableName, dynamodb };
    const jobs = new JobClient({ queueUrl, sqs, ledger });
    const charged: number[] = [];
    const worker = startWorker({
      queueUrl,
      handlers: [handle(charge, (p) => void charged.push(p.cents))],
      sqs,
      ledger,
      dlqUrl,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: "silent",
    });
    try {
      const first = await jobs.send(charge, { cents: 100 });
      await first.waitFor({ timeoutMs: 10_000 });
      // When another producer sends another payload under the same id
      const body = encodeEnvelopeJson(charge.name, first.jobId, new Date().toISOString(), '{"cents":999}');
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      // Then it neither runs nor passes for the first job's duplicate: it is dead-lettered with the reason
      const [dead] = await drainQueue(sqs, dlqUrl, { expect: 1, quietMs: 5_000 });
      const attributes = dead?.MessageAttributes ?? {};
      expect(attributes[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("id-collision");
      expect(attributes[DLQ_ATTRIBUTES.errorName]?.StringValue).toBe("SqsJobsError");
      expect(attributes[DLQ_ATTRIBUTES.errorMessage]?.StringValue).toContain("its payload differs");
      expect(charged).toEqual([100]);
      expect(await jobs.getJob(charge, first.jobId)).toMatchObject({ status: "succeeded", attempts: 1 });
      await eventually(
        () => queueDepth(sqs, queueUrl),
        (d) => d.visible + d.inFlight + d.delayed === 0,
        5_000,
      );
    } finally {
      await worker.stop();
    }
  }, 30_000);
});
