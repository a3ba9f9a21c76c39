import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createSqsHandler, defineJob, handle, JobClient } from "../../src/index.ts";
import { createTestQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { invokeLikeLambda, lambdaContext, sleep } from "./harness.ts";

const sqs = testSqs();

const step = defineJob({
  name: "step",
  schema: z.object({ group: z.string(), n: z.number() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 5 } },
  timeoutSeconds: 2,
  fifo: { groupId: (p) => p.group, dedupId: (p) => `${p.group}-${p.n}` },
});

describe("FIFO groups", () => {
  it("stops a group at its first failure and returns the rest of it; other groups go on", async () => {
    // Given groups A (a1 fails, a2, a3) and B (b1, b2) in one batch. fauxqs 2.4.1 hands out one
    // message per group per receive (AWS may hand out several), so the batch is built by hand, as
    // Lambda's poller would build it from a FIFO queue.
    const queueUrl = await createTestQueue(sqs, "fifo-stop", { fifo: true });
    const arn = await queueArn(sqs, queueUrl);
    const order = [
      ["A", 1],
      ["B", 1],
      ["A", 2],
      ["B", 2],
      ["A", 3],
    ] as const;
    const Records = order.map(([group, n]) => ({
      messageId: `${group}${n}`,
      receiptHandle: `receipt-${group}${n}`,
      body: JSON.stringify({ sqsJobs: 1, job: "step", payload: { group, n } }),
      attributes: { ApproximateReceiveCount: "1", MessageGroupId: group },
      eventSourceARN: arn,
    }));
    const ran: string[] = [];
    const handler = createSqsHandler(
      [
        handle(step, async ({ group, n }) => {
          ran.push(`${group}${n}`);
          await sleep(5);
          if (group === "A" && n === 1) throw new Error("a1 failed");
        }),
      ],
      { sqs, logLevel: "silent", metrics: false },
    );
    // When the batch runs
    const response = await handler({ Records }, lambdaContext());
    // Then B ran in order, A stopped after a1, and a1, a2, a3 are returned
    expect(ran.filter((r) => r.startsWith("B"))).toEqual(["B1", "B2"]);
    expect(ran.filter((r) => r.startsWith("A"))).toEqual(["A1"]);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(["A1", "A2", "A3"]);
  });

  it("runs a real FIFO queue's groups to completion in order across invocations", async () => {
    // Given two groups of three on a FIFO queue
    const queueUrl = await createTestQueue(sqs, "fifo-order", { fifo: true });
    const arn = await queueArn(sqs, queueUrl);
    const jobs = new JobClient({ queueUrl, sqs });
    for (const n of [1, 2, 3]) {
      await jobs.send(step, { group: "A", n });
      await jobs.send(step, { group: "B", n });
    }
    const ran: string[] = [];
    const handler = createSqsHandler([handle(step, async ({ group, n }) => void ran.push(`${group}${n}`))], {
      sqs,
      logLevel: "silent",
      metrics: false,
    });
    // When Lambda polls until the queue is empty
    for (let i = 0; i < 10 && ran.length < 6; i++) await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then each group ran in order
    expect(ran.filter((r) => r.startsWith("A"))).toEqual(["A1", "A2", "A3"]);
    expect(ran.filter((r) => r.startsWith("B"))).toEqual(["B1", "B2", "B3"]);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});

describe("remaining time", () => {
  it("stops starting records when the invocation cannot fit another job, and re-sends them", async () => {
    // Given 5 jobs of 2 s timeout taking 600 ms each, and an invocation with 4 s left: a job
    // starts while 2 s + the 1 s margin fit, so at 0 and ~0.6 s, not at ~1.2 s
    const queueUrl = await createTestQueue(sqs, "time-cutoff", { attributes: { VisibilityTimeout: "30" } });
    const arn = await queueArn(sqs, queueUrl);
    const plain = defineJob({ name: "step", schema: z.object({ n: z.number() }), timeoutSeconds: 2 });
    await new JobClient({ queueUrl, sqs }).sendBatch(
      plain,
      [1, 2, 3, 4, 5].map((n) => ({ n })),
    );
    // Lambda's context counts down in real time from the invocation's start.
    let deadline: number | undefined;
    const remaining = () => {
      deadline ??= Date.now() + 4_000;
      return deadline - Date.now();
    };
    const ran: number[] = [];
    const handler = createSqsHandler(
      [
        handle(plain, async ({ n }) => {
          ran.push(n);
          await sleep(600);
        }),
      ],
      { sqs, concurrency: 1, timeMarginMs: 1_000, logLevel: "silent", metrics: false },
    );
    // When the batch runs
    const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler, {
      expect: 5,
      context: lambdaContext(remaining),
    });
    // Then two ran and three went back as fresh copies (their attempt unspent), visible at once
    // (not after 30 s), while Lambda deletes the originals
    expect(ran).toHaveLength(2);
    expect(response.batchItemFailures).toHaveLength(0);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 3, inFlight: 0, delayed: 0 });
  });
});
