import { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { JOB_NAME_ATTRIBUTE } from "../../src/core/job-name-attribute.ts";
import {
  defineJob,
  InvalidOptionError,
  JobClient,
  PayloadTooLargeError,
  QueueNotFoundError,
  SendError,
  ValidationError,
} from "../../src/index.ts";
import { createTestQueue, drainQueue, queueDepth, testSqs } from "../helpers/sqs.ts";

const sqs = testSqs();

const resizeImage = defineJob({
  name: "resize-image",
  schema: z.object({ key: z.string().min(1), width: z.number().int().positive() }),
});

describe("JobClient.send", () => {
  it("round-trips a typed job in a versioned envelope with the job name attribute", async () => {
    // Given a queue and a client
    const queueUrl = await createTestQueue(sqs, "send-roundtrip");
    const jobs = new JobClient({ queueUrl, sqs });
    // When a job is sent
    const { jobId, messageId, possibleDuplicate } = await jobs.send(resizeImage, {
      key: "a.png",
      width: 200,
    });
    // Then the message carries the envelope and the attribute, and one attempt needed no flag
    expect(possibleDuplicate).toBe(false);
    const [message, ...rest] = await drainQueue(sqs, queueUrl, { expect: 1 });
    expect(rest).toHaveLength(0);
    expect(message?.MessageId).toBe(messageId);
    expect(message?.MessageAttributes?.[JOB_NAME_ATTRIBUTE]?.StringValue).toBe("resize-image");
    const envelope = decodeEnvelope(message?.Body ?? "");
    expect(envelope).toMatchObject({ job: "resize-image", id: jobId, payload: { key: "a.png", width: 200 } });
    expect(jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("honours delaySeconds: the job stays invisible until the delay ends", async () => {
    const queueUrl = await createTestQueue(sqs, "send-delay");
    const jobs = new JobClient({ queueUrl, sqs });
    const sentAt = Date.now();
    await jobs.send(resizeImage, { key: "b.png", width: 10 }, { delaySeconds: 2 });
    expect(await queueDepth(sqs, queueUrl)).toMatchObject({ visible: 0, delayed: 1 });
    const messages = await drainQueue(sqs, queueUrl, { expect: 1, quietMs: 5_000 });
    expect(messages).toHaveLength(1);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_900);
  });

  it("rejects an invalid payload with zod paths and sends nothing", async () => {
    const queueUrl = await createTestQueue(sqs, "send-invalid");
    const jobs = new JobClient({ queueUrl, sqs });
    // @ts-expect-error width must be a number
    const sending = jobs.send(resizeImage, { key: "", width: "wide" });
    const error = await sending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe("ERR_VALIDATION");
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([["key"], ["width"]]);
    expect((error as Error).message).toContain("width:");
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("refuses values JSON cannot carry before any network call", async () => {
    const anything = defineJob({ name: "anything", schema: z.unknown() });
    const dated = defineJob({ name: "dated", schema: z.object({ at: z.date() }) });
    const jobs = new JobClient({ queueUrl: "http://127.0.0.1:1/000000000000/nowhere", sqs });
    await expect(jobs.send(anything, { n: 10n })).rejects.toThrow(/not JSON-serialisable/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await expect(jobs.send(anything, cycle)).rejects.toThrow(ValidationError);
    await expect(jobs.send(dated, { at: new Date() })).rejects.toThrow(ValidationError);
  });

  it("refuses values JSON would change silently: a Map or Set (sent as {}), -0 (sent as 0)", async () => {
    // Given a schema that lets anything through, and a queue URL where any network call fails
    const anything = defineJob({ name: "anything", schema: z.unknown() });
    const jobs = new JobClient({ queueUrl: "http://127.0.0.1:1/000000000000/nowhere", sqs });
    // When values JSON cannot carry are sent, Then each is a ValidationError naming its path
    const cases: [unknown, PropertyKey[], RegExp][] = [
      [{ tags: new Set(["a"]) }, ["tags"], /a Set/],
      [{ byId: new Map([["a", 1]]) }, ["byId"], /a Map/],
      [{ list: [1, -0] }, ["list", 1], /-0/],
      [{ bytes: new Uint8Array([1, 2]) }, ["bytes"], /a Uint8Array/],
      [{ pattern: /x/ }, ["pattern"], /a RegExp/],
    ];
    for (const [payload, path, message] of cases) {
      const error = await jobs.send(anything, payload).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.path).toEqual(path);
      expect((error as ValidationError).issues[0]?.message).toMatch(message);
    }
  });

  it("reports a refused connection as not sent: SQS stored nothing, so maybeSent is false", async () => {
    // Given a client for an endpoint where nothing listens (both by IP and by name)
    for (const endpoint of ["http://127.0.0.1:1", "http://localhost:1"]) {
      const refused = new SQSClient({ endpoint, region: "us-east-1", useQueueUrlAsEndpoint: false });
      const jobs = new JobClient({ queueUrl: `${endpoint}/000000000000/nowhere`, sqs: refused });
      // When a job is sent, Then the SendError says SQS cannot hold it
      const error = await jobs.send(resizeImage, { key: "a", width: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SendError);
      expect((error as SendError).message).toMatch(/ECONNREFUSED/);
      expect((error as SendError).maybeSent).toBe(false);
      // And sendBatch's failed items are not flagged as possible duplicates
      const batch = await jobs.sendBatch(resizeImage, [{ key: "b", width: 1 }], { maxRetries: 1 });
      expect(batch.items[0]).toMatchObject({ ok: false, possibleDuplicate: false });
      refused.destroy();
    }
  });

  it("rejects an oversize payload before any network call, naming size and limit", async () => {
    // The queue URL points at a closed port: any network call would fail differently.
    const blob = defineJob({ name: "blob", schema: z.object({ data: z.string() }) });
    const jobs = new JobClient({ queueUrl: "http://127.0.0.1:1/000000000000/nowhere", sqs });
    const error = await jobs.send(blob, { data: "x".repeat(1_048_576) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).limitBytes).toBe(1_048_576);
    expect((error as PayloadTooLargeError).sizeBytes).toBeGreaterThan(1_048_576);

    const small = new JobClient({
      queueUrl: "http://127.0.0.1:1/000000000000/nowhere",
      sqs,
      maxMessageBytes: 4096,
    });
    await expect(small.send(blob, { data: "x".repeat(5000) })).rejects.toThrow(/at most 4096 bytes/);
  });

  it("accepts a message right at SQS's 1 MiB limit, less the room kept for a dead-letter reason", async () => {
    const queueUrl = await createTestQueue(sqs, "send-limit");
    const blob = defineJob({ name: "blob", schema: z.object({ data: z.string() }) });
    const jobs = new JobClient({ queueUrl, sqs });
    // Find the payload length that makes body + attributes + the room for a reason exactly 1 MiB.
    const overhead = await jobs
      .send(blob, { data: "x".repeat(1_048_576) })
      .catch((e: PayloadTooLargeError) => e.sizeBytes - 1_048_576);
    await jobs.send(blob, { data: "x".repeat(1_048_576 - (overhead as number)) });
    expect(await queueDepth(sqs, queueUrl)).toMatchObject({ visible: 1 });
  });

  it("refuses a delay beyond a year, saying that above 900 s a schedule carries the job", async () => {
    const jobs = new JobClient({ queueUrl: "http://127.0.0.1:1/000000000000/nowhere", sqs });
    const error = await jobs
      .send(resizeImage, { key: "a", width: 1 }, { delaySeconds: 366 * 86_400 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toMatch(
      /between 0 and 31536000 \(a year; above 900, SQS's limit, the job waits in an EventBridge Scheduler schedule\)/,
    );
  });

  it("gives a clear error for a queue that does not exist", async () => {
    const queueUrl = await createTestQueue(sqs, "exists");
    const missing = queueUrl.replace(/exists-[^/]+$/, "does-not-exist-9f3a");
    const jobs = new JobClient({ queueUrl: missing, sqs });
    const error = await jobs.send(resizeImage, { key: "a", width: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueNotFoundError);
    expect((error as Error).message).toContain("does-not-exist-9f3a");
    expect((error as Error).message).toMatch(/does not exist/);
  });
});
