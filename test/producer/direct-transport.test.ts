import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { classifyFailure, describeAwsError, isQueueMissing } from "../../src/core/aws-errors.ts";
import { ConfigError, defineJob, JobClient, QueueNotFoundError, SendError } from "../../src/index.ts";
import {
  DIRECT_REQUEST_CHANNEL,
  type DirectRequestMessage,
} from "../../src/producer/direct/direct-transport.ts";
import { createTestQueue, drainQueue, TRANSPORTS, testSqs } from "../helpers/sqs.ts";
import { type FaultKind, type FaultProxy, startFaultProxy } from "../reliability/fault-proxy.ts";

const sqs = testSqs();
const proxies: FaultProxy[] = [];

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

const ping = defineJob({ name: "ping", schema: z.object({ n: z.number() }) });

/** What the helpers in core/aws-errors.ts make of an error: the two transports must agree. */
function classification(error: unknown) {
  const e = error as {
    name?: string;
    Code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return {
    name: e.name,
    Code: e.Code,
    $fault: e.$fault,
    httpStatusCode: e.$metadata?.httpStatusCode,
    kind: classifyFailure(error),
    queueMissing: isQueueMissing(error),
  };
}

describe("JobClient with transport: direct", () => {
  it("sends without the client's middleware, announcing each request on its diagnostics channel", async () => {
    // Given a client whose middleware counts SQS calls, and a subscriber to the direct channel
    const queueUrl = await createTestQueue(sqs, "direct-bypass");
    const client = new SQSClient({ endpoint: inject("sqsEndpoint"), useQueueUrlAsEndpoint: false });
    const viaMiddleware: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        viaMiddleware.push(context.commandName ?? "");
        return next(args);
      },
      { step: "initialize", name: "testCounter" },
    );
    const announced: DirectRequestMessage[] = [];
    const listener = (message: unknown) => announced.push(message as DirectRequestMessage);
    subscribe(DIRECT_REQUEST_CHANNEL, listener);
    try {
      // When one job and a batch of 25 are sent with the direct transport
      const jobs = new JobClient({ queueUrl, sqs: client, transport: "direct" });
      await jobs.send(ping, { n: 0 });
      const batch = await jobs.sendBatch(
        ping,
        Array.from({ length: 25 }, (_, n) => ({ n: n + 1 })),
      );
      expect(batch.failed).toBe(0);
    } finally {
      unsubscribe(DIRECT_REQUEST_CHANNEL, listener);
      client.destroy();
    }
    // Then the middleware saw nothing, the channel saw every request, and SQS holds all 26
    expect(viaMiddleware).toEqual([]);
    expect(announced).toEqual([
      { action: "SendMessage", attempt: 1 },
      { action: "SendMessageBatch", attempt: 1 },
      { action: "SendMessageBatch", attempt: 1 },
      { action: "SendMessageBatch", attempt: 1 },
    ]);
    expect(await drainQueue(sqs, queueUrl, { expect: 26 })).toHaveLength(26);
  });

  it("refuses an unknown transport name", () => {
    const options = { queueUrl: "http://127.0.0.1:1/000000000000/q", sqs, transport: "fast" };
    // @ts-expect-error "fast" is not a transport
    expect(() => new JobClient(options)).toThrow(ConfigError);
  });

  it("gives the same QueueNotFoundError as the SDK, from an error of the same shape", async () => {
    const queueUrl = (await createTestQueue(sqs, "exists")).replace(/exists-[^/]+$/, "gone-5d1c");
    const errors = [];
    for (const { transport } of TRANSPORTS) {
      const jobs = new JobClient({ queueUrl, sqs, transport });
      const single = await jobs.send(ping, { n: 1 }).catch((e: unknown) => e);
      const batch = await jobs.sendBatch(ping, [{ n: 1 }, { n: 2 }]).catch((e: unknown) => e);
      expect(single).toBeInstanceOf(QueueNotFoundError);
      expect(batch).toBeInstanceOf(QueueNotFoundError);
      errors.push(classification((single as Error).cause), classification((batch as Error).cause));
    }
    expect(errors[0]).toMatchObject({ queueMissing: true, kind: "final", httpStatusCode: 400 });
    expect(errors.slice(1)).toEqual([errors[0], errors[0], errors[0]]);
  });

  it.each<[FaultKind, string]>([
    ["throttle", "throttled"],
    ["error500", "ambiguous"],
    ["error503", "ambiguous"],
    ["resetAfter", "ambiguous"],
    ["badDigest", "ambiguous"],
  ])("classifies a failed send after %s like the SDK does (%s)", async (fault, kind) => {
    // Given a proxy that breaks every SendMessage, and one attempt per call
    const queueUrl = await createTestQueue(sqs, "direct-parity");
    const proxy = await startFaultProxy({
      target: inject("sqsEndpoint"),
      rates: { SendMessage: { [fault]: 1 } },
    });
    proxies.push(proxy);
    const seen = [];
    for (const { transport } of TRANSPORTS) {
      const client = new SQSClient({
        endpoint: proxy.endpoint,
        useQueueUrlAsEndpoint: false,
        maxAttempts: 1,
      });
      // When each transport sends one job through it
      const error = await new JobClient({ queueUrl, sqs: client, transport })
        .send(ping, { n: 1 })
        .catch((e: unknown) => e);
      client.destroy();
      expect(error).toBeInstanceOf(SendError);
      const { cause, maybeSent } = error as SendError;
      seen.push({ ...classification(cause), maybeSent, described: describeAwsError(cause).split(":")[0] });
    }
    // Then both raise errors the helpers classify the same way
    expect(seen[0]).toMatchObject({ kind, maybeSent: kind === "ambiguous" });
    expect(seen[1]).toEqual(seen[0]);
  });

  it("refuses a batch answer whose digest does not match, and flags its items as possibly stored", async () => {
    const queueUrl = await createTestQueue(sqs, "direct-digest");
    const proxy = await startFaultProxy({
      target: inject("sqsEndpoint"),
      rates: { SendMessageBatch: { badDigest: 1 } },
    });
    proxies.push(proxy);
    const client = new SQSClient({ endpoint: proxy.endpoint, useQueueUrlAsEndpoint: false });
    const result = await new JobClient({ queueUrl, sqs: client, transport: "direct" }).sendBatch(
      ping,
      [{ n: 1 }, { n: 2 }, { n: 3 }],
      { maxRetries: 0 },
    );
    client.destroy();
    expect(result.failed).toBe(3);
    for (const item of result.items) {
      expect(item).toMatchObject({ ok: false, possibleDuplicate: true });
      expect(!item.ok && item.error).toMatch(/^Error: Invalid MD5 checksum on messages: /);
    }
    // SQS did store them: the flag is right
    expect(await drainQueue(sqs, queueUrl, { expect: 3 })).toHaveLength(3);
  });
});
