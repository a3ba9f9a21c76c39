import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { defineJob, InvalidOptionError, JobClient } from "../../src/index.ts";
import { createTestQueue, drainQueue, testSqs } from "../helpers/sqs.ts";

const sqs = testSqs();

const sendEmail = defineJob({
  name: "send-email",
  schema: z.object({ to: z.string(), n: z.number() }),
  fifo: { groupId: (p) => p.to },
});

describe("JobClient on FIFO queues", () => {
  it("keeps order within a group and deduplicates repeated payloads", async () => {
    // Given a FIFO queue without content-based deduplication
    const queueUrl = await createTestQueue(sqs, "fifo-order", { fifo: true });
    const jobs = new JobClient({ queueUrl, sqs });
    // When two recipients get interleaved jobs, and one payload is sent twice
    for (let n = 0; n < 5; n++) {
      await jobs.send(sendEmail, { to: "ana@example.com", n });
      await jobs.send(sendEmail, { to: "bo@example.com", n });
    }
    await jobs.send(sendEmail, { to: "ana@example.com", n: 4 });
    // Then each group arrives in order and the duplicate is dropped by SQS
    const messages = await drainQueue(sqs, queueUrl, { expect: 10 });
    const byGroup = new Map<string, number[]>();
    for (const m of messages) {
      const group = m.Attributes?.MessageGroupId ?? "";
      const payload = decodeEnvelope(m.Body ?? "").payload as { n: number };
      byGroup.set(group, [...(byGroup.get(group) ?? []), payload.n]);
    }
    expect(byGroup.get("ana@example.com")).toEqual([0, 1, 2, 3, 4]);
    expect(byGroup.get("bo@example.com")).toEqual([0, 1, 2, 3, 4]);
  });

  it("lets the call override group and dedup ids, and sendBatch keeps group order", async () => {
    const queueUrl = await createTestQueue(sqs, "fifo-batch", { fifo: true });
    const jobs = new JobClient({ queueUrl, sqs });
    await jobs.send(sendEmail, { to: "x", n: 1 }, { groupId: "g1", dedupId: "same" });
    await jobs.send(sendEmail, { to: "x", n: 2 }, { groupId: "g1", dedupId: "same" });
    const batch = await jobs.sendBatch(
      sendEmail,
      Array.from({ length: 25 }, (_, n) => ({ to: "batch", n })),
      { concurrency: 1 },
    );
    expect(batch.failed).toBe(0);
    const messages = await drainQueue(sqs, queueUrl, { expect: 26 });
    const g1 = messages.filter((m) => m.Attributes?.MessageGroupId === "g1");
    expect(g1).toHaveLength(1);
    const ordered = messages
      .filter((m) => m.Attributes?.MessageGroupId === "batch")
      .map((m) => (decodeEnvelope(m.Body ?? "").payload as { n: number }).n);
    expect(ordered).toEqual(Array.from({ length: 25 }, (_, n) => n));
  });

  it("requires a group id and refuses a per-message delay", async () => {
    const queueUrl = await createTestQueue(sqs, "fifo-rules", { fifo: true });
    const jobs = new JobClient({ queueUrl, sqs });
    const plain = defineJob({ name: "plain", schema: z.object({}) });
    await expect(jobs.send(plain, {})).rejects.toThrow(InvalidOptionError);
    await expect(jobs.send(plain, {})).rejects.toThrow(/without a message group/);
    await expect(jobs.send(plain, {}, { groupId: "g", delaySeconds: 5 })).rejects.toThrow(/FIFO queue/);
  });
});
