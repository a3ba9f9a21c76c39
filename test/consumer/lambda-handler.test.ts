import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createSqsHandler, defineJob, handle, JobClient, JobTimeoutError } from "../../src/index.ts";
import { createTestQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { invokeLikeLambda, lambdaContext, memoryLogger, sleep } from "./harness.ts";

const sqs = testSqs();

const greet = defineJob({
  name: "greet",
  schema: z.object({ name: z.string(), fail: z.boolean().default(false) }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 2 } },
  timeoutSeconds: 5,
});

async function setup(label: string) {
  const queueUrl = await createTestQueue(sqs, label, { attributes: { VisibilityTimeout: "30" } });
  const arn = await queueArn(sqs, queueUrl);
  return { queueUrl, arn, jobs: new JobClient({ queueUrl, sqs }) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createSqsHandler", () => {
  it("reports only the failing record; the others are deleted", async () => {
    // Given five jobs, one of which fails
    const { queueUrl, arn, jobs } = await setup("lambda-partial");
    await jobs.sendBatch(greet, [
      { name: "a" },
      { name: "b" },
      { name: "bad", fail: true },
      { name: "c" },
      { name: "d" },
    ]);
    const seen: string[] = [];
    const handler = createSqsHandler(
      [
        handle(greet, async (payload) => {
          seen.push(payload.name);
          if (payload.fail) throw new Error("boom");
        }),
      ],
      { sqs, logLevel: "silent", metrics: false },
    );
    // When Lambda invokes the handler with the batch
    const { event, response } = await invokeLikeLambda(sqs, queueUrl, arn, handler, { expect: 5 });
    // Then only the failing record is returned, and only it remains on the queue
    const bad = event.Records.find((r) => r.body.includes('"bad"'));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad?.messageId }]);
    expect(seen.sort()).toEqual(["a", "b", "bad", "c", "d"]);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
  });

  it("delays a failed job by its backoff: invisible for the backoff, then back with attempt 2", async () => {
    // Given a job that fails on its first attempt, on a queue whose visibility timeout is 30 s
    const { queueUrl, arn, jobs } = await setup("lambda-backoff");
    await jobs.send(greet, { name: "x", fail: true });
    const attempts: number[] = [];
    const handler = createSqsHandler(
      [
        handle(greet, async (payload, ctx) => {
          attempts.push(ctx.attempt);
          if (payload.fail && ctx.attempt === 1) throw new Error("transient");
        }),
      ],
      { sqs, logLevel: "silent", metrics: false },
    );
    // When the first attempt fails
    const failedAt = Date.now();
    await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then the message is hidden for the 2 s backoff (not the 30 s visibility timeout)...
    const early = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    expect(early.Messages ?? []).toHaveLength(0);
    // ...and comes back after it, as attempt 2, which succeeds
    const second = await invokeLikeLambda(sqs, queueUrl, arn, handler);
    const waited = Date.now() - failedAt;
    expect(waited).toBeGreaterThanOrEqual(1_500);
    expect(waited).toBeLessThan(15_000);
    expect(second.response.batchItemFailures).toEqual([]);
    expect(attempts).toEqual([1, 2]);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("bounds the records in flight on a standard queue by `concurrency`", async () => {
    // Given a synthetic batch of 12 records and a handler that sleeps
    const { arn, jobs } = await setup("lambda-concurrency");
    void jobs;
    let running = 0;
    let peak = 0;
    const handler = createSqsHandler(
      [
        handle(greet, async () => {
          running++;
          peak = Math.max(peak, running);
          await sleep(20);
          running--;
        }),
      ],
      { sqs, concurrency: 3, logLevel: "silent", metrics: false },
    );
    const Records = Array.from({ length: 12 }, (_, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body: JSON.stringify({ sqsJobs: 1, job: "greet", payload: { name: `n${i}` } }),
      attributes: { ApproximateReceiveCount: "1" },
      eventSourceARN: arn,
    }));
    // When it runs
    const response = await handler({ Records }, lambdaContext());
    // Then all succeed with at most 3 at once
    expect(response.batchItemFailures).toEqual([]);
    expect(peak).toBe(3);
  });

  it("aborts ctx.signal at the job timeout and fails the attempt with JobTimeoutError", async () => {
    // Given a handler that waits for its signal, on a job with a 1 s timeout
    const slow = defineJob({
      name: "slow",
      schema: z.object({}),
      timeoutSeconds: 1,
      retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 0 } },
    });
    const { queueUrl, arn } = await setup("lambda-timeout");
    await new JobClient({ queueUrl, sqs }).send(slow, {});
    const errors: unknown[] = [];
    let aborted = false;
    const handler = createSqsHandler(
      [
        handle(slow, (_payload, ctx) => {
          return new Promise<void>((resolve) => {
            ctx.signal.addEventListener("abort", () => {
              aborted = true;
              resolve();
            });
          });
        }),
      ],
      {
        sqs,
        logLevel: "silent",
        metrics: false,
        hooks: { onFailure: (info) => void errors.push(info.error) },
      },
    );
    // When it runs
    const started = Date.now();
    const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then the attempt fails after about a second
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(aborted).toBe(true);
    expect(response.batchItemFailures).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(JobTimeoutError);
  });

  it("logs one JSON-ready line per outcome without payload contents, and an EMF line per job", async () => {
    // Given a secret-bearing payload and a capturing logger
    const { queueUrl, arn, jobs } = await setup("lambda-logs");
    await jobs.send(greet, { name: "s3cr3t" });
    const { lines, logger } = memoryLogger();
    const writes: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const handler = createSqsHandler([handle(greet, async () => {})], { sqs, logger });
    // When it runs
    await invokeLikeLambda(sqs, queueUrl, arn, handler);
    vi.restoreAllMocks();
    // Then there is one outcome line with the job's identity and no payload
    const outcome = lines.filter((l) => l.message === "job succeeded");
    expect(outcome).toHaveLength(1);
    expect(outcome[0]?.fields).toMatchObject({ jobName: "greet", attempt: 1, outcome: "succeeded" });
    expect(JSON.stringify(lines)).not.toContain("s3cr3t");
    // And one EMF document for the job
    const emf = writes.map((w) => JSON.parse(w) as Record<string, unknown>).filter((d) => "_aws" in d);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ jobName: "greet", processed: 1, succeeded: 1, failed: 0, dead: 0 });
    // In the shape CloudWatch reads: each directive names the namespace, dimension and metrics;
    // the outcomes again per queue (the dashboard's rows), named as the event source's ARN names it
    const count = (names: string[]) => names.map((Name) => ({ Name, Unit: "Count" }));
    expect(emf[0]).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: "SqsJobs",
            Dimensions: [["jobName"]],
            Metrics: count(["processed", "succeeded", "failed", "dead", "throttled", "cancelled"]).concat([
              { Name: "duration", Unit: "Milliseconds" },
            ]),
          },
          {
            Namespace: "SqsJobs",
            Dimensions: [["queue"]],
            Metrics: count(["succeeded", "failed", "dead", "throttled", "cancelled"]),
          },
        ],
      },
      jobName: "greet",
      queue: arn.slice(arn.lastIndexOf(":") + 1),
      processed: 1,
      succeeded: 1,
      failed: 0,
      dead: 0,
      throttled: 0,
      cancelled: 0,
      duration: expect.any(Number),
    });
  });

  it("reports the mean job duration in its EMF line, quick and slow jobs alike", async () => {
    // Given four jobs of which two take 200 ms, run one after another, with no log line or hook
    // reading the clock
    const { queueUrl, arn, jobs } = await setup("lambda-duration");
    await jobs.sendBatch(
      greet,
      ["slow", "quick", "slow", "quick"].map((name) => ({ name })),
    );
    const writes: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const handler = createSqsHandler(
      [
        handle(greet, async ({ name }) => {
          if (name === "slow") await sleep(200);
        }),
      ],
      { sqs, concurrency: 1, logLevel: "warn" },
    );
    // When they run
    await invokeLikeLambda(sqs, queueUrl, arn, handler, { expect: 4 });
    vi.restoreAllMocks();
    // Then the mean is about (200 + 0 + 200 + 0) / 4 ms: the quick ones were not charged the slow
    // ones' time, nor the slow ones any less than theirs
    const emf = writes.map((w) => JSON.parse(w) as { processed?: number; duration?: number });
    const line = emf.find((d) => d.processed === 4);
    expect(line?.duration).toBeGreaterThanOrEqual(99);
    expect(line?.duration).toBeLessThan(130);
  });

  it("never loses a message to a throwing hook", async () => {
    // Given hooks that throw and reject
    const { queueUrl, arn, jobs } = await setup("lambda-hooks");
    await jobs.send(greet, { name: "h" });
    let ran = false;
    const handler = createSqsHandler(
      [
        handle(greet, async () => {
          ran = true;
        }),
      ],
      {
        sqs,
        logLevel: "silent",
        metrics: false,
        hooks: {
          beforeJob: () => {
            throw new Error("before");
          },
          afterJob: async () => {
            throw new Error("after");
          },
        },
      },
    );
    // When it runs
    const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then the job ran and succeeded
    expect(ran).toBe(true);
    expect(response.batchItemFailures).toEqual([]);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("gives the handler when the job was enqueued: the envelope's enqueuedAt, else SQS's SentTimestamp", async () => {
    // Given one record whose envelope has enqueuedAt, and a hand-written one without it
    const record = (messageId: string, body: string) => ({
      messageId,
      receiptHandle: `handle-${messageId}`,
      body,
      attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1700000000000" },
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:enqueued-at",
    });
    const event = {
      Records: [
        record(
          "m1",
          '{"sqsJobs":1,"job":"greet","enqueuedAt":"2026-01-02T03:04:05.678Z","payload":{"name":"a"}}',
        ),
        record("m2", '{"sqsJobs":1,"job":"greet","payload":{"name":"b"}}'),
      ],
    };
    const seen = new Map<string, string>();
    const handler = createSqsHandler(
      [
        handle(greet, async (payload, ctx) => {
          seen.set(payload.name, ctx.enqueuedAt.toISOString());
        }),
      ],
      { sqs, logLevel: "silent", metrics: false },
    );
    // When Lambda invokes the handler
    const response = await handler(event, lambdaContext());
    // Then each handler saw its own enqueue time
    expect(response.batchItemFailures).toEqual([]);
    expect(Object.fromEntries(seen)).toEqual({
      a: "2026-01-02T03:04:05.678Z",
      b: new Date(1_700_000_000_000).toISOString(),
    });
  });
});
