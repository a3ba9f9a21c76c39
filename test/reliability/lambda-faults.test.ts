import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import {
  createSqsHandler,
  DLQ_ATTRIBUTES,
  defineJob,
  handle,
  JobClient,
  PermanentError,
} from "../../src/index.ts";
import { invokeLikeLambda, sleep } from "../consumer/harness.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.ts";

/**
 * The Lambda driver when things go wrong inside the invocation: a handler that never settles, and
 * DLQ sends that fail or whose answer is lost. Lambda's poller is played by the test with a clean
 * client (it is AWS's, not ours); the handler's own SQS calls go through the fault proxy.
 */
const sqs = testSqs();
const proxies: FaultProxy[] = [];

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

async function queues(label: string) {
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`);
  const queueUrl = await createTestQueue(sqs, label, { attributes: { VisibilityTimeout: "2" } });
  return { queueUrl, dlqUrl, arn: await queueArn(sqs, queueUrl) };
}

/** The bodies on a queue, read without deleting them (visible again after the 2 s timeout). */
async function peekBodies(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < 10 && bodies.length < 10; i++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    for (const m of out.Messages ?? []) if (!bodies.includes(m.Body ?? "")) bodies.push(m.Body ?? "");
  }
  return bodies;
}

describe("Lambda driver under faults", () => {
  it("returns a job that hangs past its timeout, ignoring its signal, and finishes its neighbours", async () => {
    // Given a 1 s job whose handler never settles for "hang", on a batch with two healthy jobs
    const task = defineJob({
      name: "task",
      schema: z.object({ hang: z.boolean() }),
      timeoutSeconds: 1,
      retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 0 } },
    });
    const { queueUrl, dlqUrl, arn } = await queues("lambda-hang");
    const sent = await new JobClient({ queueUrl, sqs }).sendBatch(task, [
      { hang: false },
      { hang: true },
      { hang: false },
    ]);
    const hungId = sent.items[1]?.jobId;
    const handler = createSqsHandler(
      [handle(task, ({ hang }) => (hang ? new Promise<never>(() => {}) : undefined))],
      { sqs, dlqUrl, logLevel: "silent", metrics: false },
    );
    // When the batch runs
    const started = Date.now();
    const first = await invokeLikeLambda(sqs, queueUrl, arn, handler, { expect: 3 });
    // Then the invocation ends soon after the job timeout, returning only the hung record
    expect(Date.now() - started).toBeLessThan(10_000);
    const hungRecord = first.event.Records.find((r) => decodeEnvelope(r.body).id === hungId);
    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: hungRecord?.messageId }]);
    // And its last attempt dead-letters it with JobTimeoutError as the reason, nothing left behind
    await invokeLikeLambda(sqs, queueUrl, arn, handler, { expect: 1 });
    const [dead, ...more] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    expect(more).toHaveLength(0);
    expect(decodeEnvelope(dead?.Body ?? "").id).toBe(hungId);
    expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.errorName]?.StringValue).toBe("JobTimeoutError");
    expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("exhausted");
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 60_000);

  it.each([
    ["fail (500, retried by the SDK)", { error500: 1 }],
    ["lose their answer (reset after SQS stored the copy)", { resetAfter: 1 }],
  ] as const)(
    "returns every record for retry when its DLQ sends %s, and loses none",
    async (_label, rates) => {
      // Given 10 records that must all be dead-lettered (5 poison, 5 PermanentError)
      const doomed = defineJob({ name: "doomed", schema: z.object({ n: z.number() }) });
      const { queueUrl, dlqUrl, arn } = await queues("lambda-dlq-fault");
      const sent = new Set<string>();
      await new JobClient({ queueUrl, sqs }).sendBatch(
        doomed,
        Array.from({ length: 5 }, (_, n) => ({ n })),
      );
      for (let n = 0; n < 5; n++) {
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `not an envelope ${n}` }));
      }
      // Every body on the queue now, to count against the DLQ at the end
      for (const m of await peekBodies(queueUrl)) sent.add(m);
      expect(sent.size).toBe(10);
      // And a handler whose SQS calls go through a proxy that breaks every DLQ send
      const proxy = await startFaultProxy({ target: inject("sqsEndpoint"), rates: { SendMessage: rates } });
      proxies.push(proxy);
      const viaProxy = new SQSClient({ endpoint: proxy.endpoint, useQueueUrlAsEndpoint: false });
      const handler = createSqsHandler(
        [
          handle(doomed, () => {
            throw new PermanentError("cannot ever work");
          }),
        ],
        { sqs: viaProxy, dlqUrl, logLevel: "silent", metrics: false },
      );
      // When a batch runs
      const first = await invokeLikeLambda(sqs, queueUrl, arn, handler, { expect: 10 });
      // Then every record is reported for retry, so Lambda deletes none
      expect(first.event.Records).toHaveLength(10);
      expect(first.response.batchItemFailures).toHaveLength(10);
      // No DLQ send got through (the one call forwarded reads the DLQ's maximum message size)
      expect(proxy.counts.SendMessage?.forwarded ?? 0).toBe(0);
      // And once the DLQ is reachable again, every job reaches it on its next delivery
      proxy.setRates({});
      await sleep(2_100);
      const second = await invokeLikeLambda(sqs, queueUrl, arn, handler, { expect: 10 });
      expect(second.response.batchItemFailures).toEqual([]);
      expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      const dead = await drainQueue(sqs, dlqUrl, { expect: 20 });
      const bodies = new Map<string, number>();
      for (const m of dead) bodies.set(m.Body ?? "", (bodies.get(m.Body ?? "") ?? 0) + 1);
      // Nothing lost: every body sent is in the DLQ (the source queue is empty); a lost answer
      // leaves a second DLQ copy (at-least-once), counted here
      const lost = [...sent].filter((body) => !bodies.has(body)).length;
      const copies = [...bodies.values()];
      console.log(
        `[lambda] DLQ sends that ${_label}: records=${sent.size} returned-for-retry=${first.response.batchItemFailures.length} dead-lettered=${bodies.size} dlq-duplicates=${dead.length - bodies.size} lost=${lost}`,
      );
      expect(lost).toBe(0);
      // (each of the SDK's 3 attempts stored a copy, then the healed run stored one more)
      if ("resetAfter" in rates) expect(copies.every((c) => c >= 2)).toBe(true);
      else expect(copies.every((c) => c === 1)).toBe(true);
    },
    60_000,
  );
});
