import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, handle, JobClient, QueueNotFoundError, startWorker } from "../../src/index.ts";
import { createTestQueue, queueDepth, testSqs } from "../helpers/sqs.ts";
import { sleep } from "./harness.ts";

const sqs = testSqs();

const task = defineJob({
  name: "task",
  schema: z.object({ n: z.number().int() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 1 } },
  timeoutSeconds: 10,
});

async function until(condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}

async function queueWith(label: string, count: number, visibility = 30) {
  const queueUrl = await createTestQueue(sqs, label, {
    attributes: { VisibilityTimeout: String(visibility) },
  });
  await new JobClient({ queueUrl, sqs }).sendBatch(
    task,
    Array.from({ length: count }, (_, n) => ({ n })),
  );
  return queueUrl;
}

const quiet = { sqs, waitTimeSeconds: 1, handleSignals: false, logLevel: "silent" } as const;

describe("startWorker", () => {
  it("runs every job and deletes it, retrying a failure after its backoff", async () => {
    // Given 25 jobs, one of which fails on its first attempt
    const queueUrl = await queueWith("worker-run", 25);
    const done = new Set<number>();
    const attempts: number[] = [];
    const worker = startWorker({
      ...quiet,
      queueUrl,
      concurrency: 8,
      handlers: [
        handle(task, async ({ n }, ctx) => {
          if (n === 7) attempts.push(ctx.attempt);
          if (n === 7 && ctx.attempt === 1) throw new Error("first try fails");
          done.add(n);
        }),
      ],
    });
    // When it has run them all
    await until(() => done.size === 25);
    await worker.stop();
    // Then the queue is empty and the failed one ran twice
    expect(attempts).toEqual([1, 2]);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("stops gracefully: running jobs finish, nothing is lost or left locked", async () => {
    // Given 30 slow jobs and a worker running 5 at once
    const queueUrl = await queueWith("worker-stop", 30);
    const finished = new Set<number>();
    let started = 0;
    const worker = startWorker({
      ...quiet,
      queueUrl,
      concurrency: 5,
      batchSize: 5,
      handlers: [
        handle(task, async ({ n }) => {
          started++;
          await sleep(300);
          finished.add(n);
        }),
      ],
    });
    // When it is stopped mid-run
    await until(() => started >= 7);
    await worker.stop();
    // Then every started job finished, and the rest are visible again
    expect(finished.size).toBe(started);
    const depth = await queueDepth(sqs, queueUrl);
    expect(depth.inFlight).toBe(0);
    expect(depth.visible + finished.size).toBe(30);
  });

  it("hands a job back when it outlives the shutdown deadline, aborting its signal", async () => {
    // Given a handler that ignores its signal and never ends
    const queueUrl = await queueWith("worker-deadline", 1);
    let signal: AbortSignal | undefined;
    const worker = startWorker({
      ...quiet,
      queueUrl,
      shutdownTimeoutMs: 300,
      handlers: [
        handle(task, (_payload, ctx) => {
          signal = ctx.signal;
          return new Promise(() => {});
        }),
      ],
    });
    await until(() => signal !== undefined);
    // When it is stopped
    await worker.stop();
    // Then the message is visible at once and the signal aborted
    expect(signal?.aborted).toBe(true);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });

  it("keeps a long job's message invisible with a heartbeat", async () => {
    // Given a 2 s visibility timeout and a job that takes 3.5 s
    const queueUrl = await queueWith("worker-heartbeat", 1, 2);
    let runs = 0;
    const worker = startWorker({
      ...quiet,
      queueUrl,
      handlers: [
        handle(task, async () => {
          runs++;
          await sleep(3_500);
        }),
      ],
    });
    await until(() => runs === 1);
    // When another consumer polls during the job
    const stolen: unknown[] = [];
    const pollUntil = Date.now() + 3_000;
    while (Date.now() < pollUntil) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
      stolen.push(...(out.Messages ?? []));
      await sleep(200);
    }
    await worker.stop();
    // Then it never saw the message, the job ran once, and the queue is empty
    expect(stolen).toHaveLength(0);
    expect(runs).toBe(1);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("rejects done when the queue does not exist", async () => {
    const worker = startWorker({
      ...quiet,
      queueUrl: (await createTestQueue(sqs, "worker-ref")).replace(/[^/]+$/, "missing-queue-91c2"),
      handlers: [handle(task, async () => {})],
    });
    await expect(worker.done).rejects.toBeInstanceOf(QueueNotFoundError);
  });
});

describe("stopping an idle worker", () => {
  it("aborts its long poll and stops within a second", async () => {
    // Given a worker long-polling an empty queue for 20 s
    const queueUrl = await createTestQueue(sqs, "worker-idle-stop");
    const worker = startWorker({
      ...quiet,
      queueUrl,
      waitTimeSeconds: 20,
      handlers: [handle(task, () => {})],
    });
    // (its receive is in flight once the queue's visibility was read)
    await sleep(500);
    // When it is stopped
    const started = Date.now();
    await worker.stop();
    // Then it is done within a second, not at the end of the 20 s poll
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
