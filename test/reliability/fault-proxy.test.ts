import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { classifyFailure } from "../../src/core/aws-errors.ts";
import { createLedgerTable, testDynamoDb } from "../helpers/ledger-table.ts";
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

  describe("DynamoDB calls", () => {
    const dynamoThroughProxy = async (
      rates: Readonly<Record<string, FaultRates>>,
      options: {
        maxAttempts?: number;
        maxFaults?: number;
        dynamoDbThrottleCode?: "ThrottlingException";
      } = {},
    ) => {
      const { maxAttempts, ...proxyOptions } = options;
      const proxy = await startFaultProxy({ target: inject("sqsEndpoint"), rates, ...proxyOptions });
      proxies.push(proxy);
      const client = new DynamoDBClient({
        endpoint: proxy.endpoint,
        region: process.env.AWS_REGION ?? "us-east-1",
        ...(maxAttempts === undefined ? {} : { maxAttempts }),
      });
      return { proxy, client };
    };

    it.each([
      ["throttle" as const, 400, "ProvisionedThroughputExceededException", "client"],
      ["error500" as const, 500, "InternalServerError", "server"],
      ["error503" as const, 503, "ServiceUnavailable", "server"],
    ])("answers %s in DynamoDB's shape (%i %s)", async (kind, status, name, fault) => {
      // Given a proxy that breaks every DynamoDB call, and a client with one attempt
      const { proxy, client } = await dynamoThroughProxy({ "*": { [kind]: 1 } }, { maxAttempts: 1 });
      // When a call goes through it
      const error = await client.send(new ListTablesCommand({})).catch((e: unknown) => e);
      // Then the SDK parses DynamoDB's error, named by the action the proxy read from x-amz-target
      expect(error).toMatchObject({ name, $fault: fault, $metadata: { httpStatusCode: status } });
      expect(proxy.counts.ListTables?.[kind]).toBe(1);
    });

    it.each([["ProvisionedThroughputExceededException" as const], ["ThrottlingException" as const]])(
      "throttles only the action named, with %s, and the SDK retries it with backoff",
      async (code) => {
        // Given a table, and a proxy that throttles the first PutItem only
        const tableName = await createLedgerTable(testDynamoDb(), "proxy-throttle");
        const { proxy, client } = await dynamoThroughProxy(
          { PutItem: { throttle: 1 } },
          { maxFaults: 1, dynamoDbThrottleCode: code === "ThrottlingException" ? code : undefined },
        );
        const Key = { pk: { S: "job#1" } };
        // When an item is put with the SDK's default retry (3 attempts), then read back
        const put = await client.send(new PutItemCommand({ TableName: tableName, Item: Key }));
        const got = await client.send(
          new GetItemCommand({ TableName: tableName, Key, ConsistentRead: true }),
        );
        // Then the put saw the throttle, waited and succeeded on its second attempt
        expect(put.$metadata).toMatchObject({ attempts: 2 });
        expect(put.$metadata.totalRetryDelay).toBeGreaterThan(0);
        expect(proxy.counts.PutItem).toMatchObject({ throttle: 1, forwarded: 1 });
        // And the read went through untouched
        expect(got.Item).toEqual(Key);
        expect(proxy.counts.GetItem).toMatchObject({ throttle: 0, forwarded: 1 });
      },
    );
  });
});
