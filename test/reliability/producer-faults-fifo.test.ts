import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { defineJob, JobClient } from "../../src/index.ts";
import { createTestQueue, drainQueue, testSqs } from "../helpers/sqs.ts";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.ts";

/**
 * sendBatch on a FIFO queue keeps each message group in input order although requests run
 * concurrently and some are throttled, fail or lose their answer and are retried.
 */
const sqs = testSqs();
const proxies: FaultProxy[] = [];

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

const step = defineJob({
  name: "order-step",
  schema: z.object({ group: z.string(), seq: z.number().int() }),
  fifo: { groupId: (p) => p.group },
});

const GROUPS = 37;
const JOBS = 1_500;

describe("producer on a FIFO queue under faults", () => {
  it("stores each message group in input order with 8 requests in flight, throttling and retries", async () => {
    // Given a FIFO queue behind a proxy that throttles, fails and resets SendMessageBatch calls
    const queueUrl = await createTestQueue(sqs, "fifo-order-faults", { fifo: true });
    const proxy = await startFaultProxy({
      target: inject("sqsEndpoint"),
      seed: 41,
      rates: {
        SendMessageBatch: {
          throttle: 0.15,
          error500: 0.05,
          resetBefore: 0.03,
          resetAfter: 0.03,
          latencyMs: 15,
        },
      },
    });
    proxies.push(proxy);
    const viaProxy = new SQSClient({ endpoint: proxy.endpoint, useQueueUrlAsEndpoint: false });
    // And jobs of many groups interleaved, numbered within their group
    const next = new Map<string, number>();
    const payloads = Array.from({ length: JOBS }, (_, i) => {
      const group = `g${(i * 7) % GROUPS}`;
      const seq = next.get(group) ?? 0;
      next.set(group, seq + 1);
      return { group, seq };
    });
    // When they are sent with one sendBatch and its default concurrency
    const result = await new JobClient({ queueUrl, sqs: viaProxy }).sendBatch(step, payloads, {
      maxRetries: 10,
    });
    viaProxy.destroy();
    // Then every job was acknowledged, and the faults really happened
    expect(result.failed).toBe(0);
    expect(proxy.total("throttle") + proxy.total("error500") + proxy.total("resetAfter")).toBeGreaterThan(10);
    // And each group, read back from the queue, is in input order, each job once
    const messages = await drainQueue(sqs, queueUrl, { expect: JOBS, quietMs: 1_500 });
    const seen = new Map<string, number[]>();
    for (const m of messages) {
      const { group, seq } = decodeEnvelope(m.Body ?? "").payload as { group: string; seq: number };
      seen.set(group, [...(seen.get(group) ?? []), seq]);
    }
    const outOfOrder = [...seen].filter(([, seqs]) => seqs.some((s, i) => s !== i));
    console.log(
      `[producer] FIFO ${JOBS} jobs in ${GROUPS} groups: stored=${messages.length} groups-out-of-order=${outOfOrder.length} (calls: throttle=${proxy.total("throttle")} error500=${proxy.total("error500")} resetBefore=${proxy.total("resetBefore")} resetAfter=${proxy.total("resetAfter")})`,
    );
    expect(outOfOrder.map(([group]) => group)).toEqual([]);
    expect(seen.size).toBe(GROUPS);
    for (const [group, seqs] of seen) expect(seqs).toHaveLength(next.get(group) ?? -1);
  }, 120_000);

  it("once a job of a group fails for good, sends none of that group's later jobs and says why", async () => {
    // Given a proxy that throttles only the first request, and no retries at all
    const queueUrl = await createTestQueue(sqs, "fifo-stop-group", { fifo: true });
    const proxy = await startFaultProxy({
      target: inject("sqsEndpoint"),
      rates: { SendMessageBatch: { throttle: 1 } },
      maxFaults: 1,
    });
    proxies.push(proxy);
    const viaProxy = new SQSClient({
      endpoint: proxy.endpoint,
      useQueueUrlAsEndpoint: false,
      maxAttempts: 1,
    });
    // When group a's 15 jobs come first (its first 10 fill the throttled request), then group b's 5
    const payloads = [
      ...Array.from({ length: 15 }, (_, seq) => ({ group: "a", seq })),
      ...Array.from({ length: 5 }, (_, seq) => ({ group: "b", seq })),
    ];
    const result = await new JobClient({ queueUrl, sqs: viaProxy }).sendBatch(step, payloads, {
      concurrency: 1,
      maxRetries: 0,
    });
    viaProxy.destroy();
    // Then a's first 10 failed with SQS's error, a's last 5 were held back naming job 0, b went out
    expect(result.items.slice(0, 10).every((i) => !i.ok && /RequestThrottled/.test(i.error))).toBe(true);
    expect(
      result.items
        .slice(10, 15)
        .every((i) => !i.ok && /^not sent: job 0 of the same message group/.test(i.error)),
    ).toBe(true);
    expect(result.items.slice(15).every((i) => i.ok)).toBe(true);
    const stored = await drainQueue(sqs, queueUrl, { expect: 5, quietMs: 500 });
    expect(stored.map((m) => (decodeEnvelope(m.Body ?? "").payload as { group: string }).group)).toEqual([
      "b",
      "b",
      "b",
      "b",
      "b",
    ]);
  });
});
