import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createSqsHandler,
  DLQ_ATTRIBUTES,
  defineJob,
  handle,
  JobClient,
  type SqsRecord,
} from "../../src/index.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { invokeLikeLambda, lambdaContext } from "./harness.ts";

/**
 * The attempt number counts runs of the handler. A record handed back unstarted (Lambda's time
 * cut-off, worker shutdown) does not spend an attempt on a standard queue: it goes back as a fresh
 * copy carrying the runs so far. On FIFO, where a copy would break the group's order, the limit is
 * the one docs/guarantees.md states.
 */
const sqs = testSqs();

describe("attempts on a standard queue", () => {
  it("a record not started at Lambda's time cut-off keeps its real attempt count", async () => {
    // Given a job that always fails, with two attempts
    const flaky = defineJob({
      name: "flaky",
      schema: z.object({}),
      retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 0 } },
      timeoutSeconds: 1,
    });
    const dlqUrl = await createTestQueue(sqs, "attempts-cutoff-dlq");
    const queueUrl = await createTestQueue(sqs, "attempts-cutoff");
    const arn = await queueArn(sqs, queueUrl);
    const sent = await new JobClient({ queueUrl, sqs }).send(flaky, {});
    const attempts: number[] = [];
    const handler = createSqsHandler(
      [
        handle(flaky, (_payload, ctx) => {
          attempts.push(ctx.attempt);
          throw new Error("still failing");
        }),
      ],
      { sqs, dlqUrl, logLevel: "silent", metrics: false },
    );
    // When it fails once, then arrives in an invocation with no time left, then runs again
    await invokeLikeLambda(sqs, queueUrl, arn, handler);
    const cut = await invokeLikeLambda(sqs, queueUrl, arn, handler, { context: lambdaContext(() => 0) });
    expect(cut.event.Records).toHaveLength(1);
    await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then the handler ran twice, as attempts 1 and 2, and the job is dead-lettered after them
    expect(attempts).toEqual([1, 2]);
    const [dead] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("exhausted");
    expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.attempts]?.StringValue).toBe("2");
    expect(dead?.Body).toContain(sent.jobId);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});

describe("attempts on a FIFO queue (no ledger)", () => {
  it("states the limit: a record returned behind its group's failures counts those deliveries", async () => {
    // Given group A: a1 fails twice then succeeds, a2 always fails; maxAttempts 3. The batches are
    // built as Lambda's poller would (fauxqs hands out one message per group per receive), with the
    // receive count SQS would give: a2 is received with a1 each time, and returned unstarted.
    const step = defineJob({
      name: "step",
      schema: z.object({ n: z.number() }),
      retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 0 } },
      fifo: { groupId: "A" },
    });
    const dlqUrl = await createTestQueue(sqs, "attempts-fifo-dlq", { fifo: true });
    const queueUrl = await createTestQueue(sqs, "attempts-fifo", { fifo: true });
    const arn = await queueArn(sqs, queueUrl);
    const runs: string[] = [];
    const handler = createSqsHandler(
      [
        handle(step, ({ n }, ctx) => {
          runs.push(`a${n}@${ctx.attempt}`);
          if (n === 2 || ctx.attempt < 3) throw new Error("fails");
        }),
      ],
      { sqs, dlqUrl, logLevel: "silent", metrics: false },
    );
    const batch = (count: number): SqsRecord[] =>
      [1, 2].map((n) => ({
        messageId: `a${n}`,
        receiptHandle: `receipt-a${n}-${count}`,
        body: JSON.stringify({ sqsJobs: 1, job: "step", payload: { n } }),
        attributes: { ApproximateReceiveCount: String(count), MessageGroupId: "A" },
        eventSourceARN: arn,
      }));
    // When the group is delivered three times
    for (const count of [1, 2, 3]) await handler({ Records: batch(count) }, lambdaContext());
    // Then a2 ran once, on its third delivery, which counts as its third attempt: it is
    // dead-lettered as exhausted after one real run (the limit docs/guarantees.md states)
    expect(runs).toEqual(["a1@1", "a1@2", "a1@3", "a2@3"]);
    const [dead] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("exhausted");
  });
});
