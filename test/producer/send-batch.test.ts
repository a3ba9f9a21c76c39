import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { defineJob, JobClient, ValidationError } from "../../src/index.ts";
import { createTestQueue, drainQueue, queueDepth, testSqs } from "../helpers/sqs.ts";

const sqs = testSqs();

const importRow = defineJob({
  name: "import-row",
  schema: z.object({ row: z.number().int().nonnegative(), data: z.string() }),
});

describe("JobClient.sendBatch", () => {
  it("sends 2,500 jobs of mixed sizes, some near the limit, each exactly once with its ids", async () => {
    // Given payloads from a few bytes to just under 1 MiB
    const queueUrl = await createTestQueue(sqs, "batch-2500");
    const jobs = new JobClient({ queueUrl, sqs });
    const sizeOf = (row: number) => (row % 250 === 0 ? 1_040_000 : row % 10 === 0 ? 60_000 : row % 7);
    const payloads = Array.from({ length: 2_500 }, (_, row) => ({ row, data: "y".repeat(sizeOf(row)) }));
    let lastProgress = 0;
    // When they are sent as one batch
    const result = await jobs.sendBatch(importRow, payloads, { onProgress: (done) => (lastProgress = done) });
    // Then every item has a result with ids, in input order
    expect(result.failed).toBe(0);
    expect(result.succeeded).toBe(2_500);
    expect(lastProgress).toBe(2_500);
    expect(result.items.map((r) => r.index)).toEqual(payloads.map((_, i) => i));
    const byJobId = new Map(result.items.map((r) => [r.jobId, r]));
    expect(byJobId.size).toBe(2_500);
    // And the queue holds each job exactly once
    const messages = await drainQueue(sqs, queueUrl, { expect: 2_500 });
    expect(messages).toHaveLength(2_500);
    const rows = new Set<number>();
    for (const m of messages) {
      const envelope = decodeEnvelope(m.Body ?? "");
      const sent = byJobId.get(envelope.id ?? "");
      expect(sent?.ok && sent.messageId).toBe(m.MessageId);
      const payload = envelope.payload as { row: number; data: string };
      expect(payload.data.length).toBe(sizeOf(payload.row));
      rows.add(payload.row);
    }
    expect(rows.size).toBe(2_500);
  }, 120_000);

  it("validates every item first, lists every bad index and sends nothing", async () => {
    const queueUrl = await createTestQueue(sqs, "batch-invalid");
    const jobs = new JobClient({ queueUrl, sqs });
    const payloads = [
      { row: 0, data: "ok" },
      { row: -1, data: "bad row" },
      { row: 2, data: "ok" },
      { row: 3, data: "z".repeat(1_048_576) },
      { row: 4 } as { row: number; data: string },
    ];
    const error = await jobs.sendBatch(importRow, payloads).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues;
    expect(issues.map((i) => i.path)).toEqual([[1, "row"], [3], [4, "data"]]);
    expect((error as Error).message).toMatch(/^3 of 5 payloads for job "import-row" are invalid/);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("keeps sending and keeps every result when onProgress throws", async () => {
    // Given a progress callback that throws on its first call
    const queueUrl = await createTestQueue(sqs, "batch-progress-throws");
    const jobs = new JobClient({ queueUrl, sqs });
    const payloads = Array.from({ length: 95 }, (_, row) => ({ row, data: "p" }));
    const thrown = new Error("progress bar broke");
    let calls = 0;
    // When the batch is sent
    const result = await jobs.sendBatch(importRow, payloads, {
      concurrency: 2,
      onProgress: () => {
        calls++;
        throw thrown;
      },
    });
    // Then every job was sent and has its result, and the callback's error is reported, once
    expect(result.succeeded).toBe(95);
    expect(result.items.every((item) => item.ok)).toBe(true);
    expect(result.progressError).toBe(thrown);
    expect(calls).toBe(1);
    expect((await drainQueue(sqs, queueUrl, { expect: 95 })).length).toBe(95);
  });
});
