import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { classifyFailure } from "../../src/core/aws-errors.ts";
import { createTestQueue, drainQueue, testSqs } from "../helpers/sqs.ts";
import { type FaultProxy, type FaultRates, seededRandom, startFaultProxy } from "./fault-proxy.ts";

const sqs = testSqs();
const proxies: FaultProxy[] = [];

async function throughProxy(
  rates: FaultRates,
  options: { throttleCode?: "RequestThrottled" | "ThrottlingException" } = {},
) {
  const proxy = await startFaultProxy({ target: inject("sqsEndpoint"), rates: { "*": rates }, ...options });
  proxies.push(proxy);
  // One attempt: we want to see what the SDK makes of each fault, not its retries.
  const client = new SQSClient({ endpoint: proxy.endpoint, useQueueUrlAsEndpoint: false, maxAttempts: 1 });
  return { proxy, client };
}

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

describe("fault proxy", () => {
  it("replays the same fault sequence from the same seed", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it.each([["RequestThrottled" as const], ["ThrottlingException" as const]])(
    "answers %s the way SQS does, and the SDK and sqs-jobs both call it throttling",
    async (code) => {
      // Given a proxy that throttles every call
      const { proxy, client } = await throughProxy({ throttle: 1 }, { throttleCode: code });
      // When a call goes through it
      const error = await client.send(new GetQueueUrlCommand({ QueueName: "any" })).catch((e: unknown) => e);
      // Then the SDK raises the throttling error and sqs-jobs classifies it as throttled
      expect(error).toMatchObject({ name: code, $metadata: { httpStatusCode: 400 } });
      expect(classifyFailure(error)).toBe("throttled");
      expect(proxy.counts.GetQueueUrl?.throttle).toBe(1);
    },
  );

  it.each([
    ["error500" as const, 500],
    ["error503" as const, 503],
  ])("answers %s as a server fault that sqs-jobs treats as ambiguous", async (kind, status) => {
    const { client } = await throughProxy({ [kind]: 1 });
    const error = await client.send(new GetQueueUrlCommand({ QueueName: "any" })).catch((e: unknown) => e);
    expect(error).toMatchObject({ $fault: "server", $metadata: { httpStatusCode: status } });
    expect(classifyFailure(error)).toBe("ambiguous");
  });

  it("resets before forwarding: the client errors and SQS stores nothing", async () => {
    const queueUrl = await createTestQueue(sqs, "proxy-reset-before");
    const { proxy, client } = await throughProxy({ resetBefore: 1 });
    const error = await client
      .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(classifyFailure(error)).toBe("ambiguous");
    expect(proxy.counts.SendMessage?.resetBefore).toBe(1);
    expect(await drainQueue(sqs, queueUrl, { quietMs: 300 })).toHaveLength(0);
  });

  it("resets after SQS acted: the client errors although SQS stored the message", async () => {
    const queueUrl = await createTestQueue(sqs, "proxy-reset-after");
    const { client } = await throughProxy({ resetAfter: 1 });
    const error = await client
      .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(classifyFailure(error)).toBe("ambiguous");
    expect(await drainQueue(sqs, queueUrl, { expect: 1 })).toHaveLength(1);
  });

  it("makes the SDK's own retry store a second copy after a reset-after", async () => {
    // Given the SDK's default retry (3 attempts) and a first attempt reset after SQS acted
    const queueUrl = await createTestQueue(sqs, "proxy-sdk-retry");
    const proxy = await startFaultProxy({
      target: inject("sqsEndpoint"),
      rates: { "*": { resetAfter: 1 } },
      maxFaults: 1,
    });
    proxies.push(proxy);
    const client = new SQSClient({ endpoint: proxy.endpoint, useQueueUrlAsEndpoint: false });
    // When one SendMessage goes through
    const out = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x" }));
    // Then the call succeeds, says it needed 2 attempts, and SQS holds two copies
    expect(out.$metadata.attempts).toBe(2);
    expect(await drainQueue(sqs, queueUrl, { expect: 2 })).toHaveLength(2);
  });
});
