import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { JobClient, SendError } from "../../src/index.ts";
import { createTestQueue, drainQueue, testSqs } from "../helpers/sqs.ts";
import { type FaultProxy, type FaultRates, startFaultProxy } from "./fault-proxy.ts";
import { importRow } from "./producer-scenario.ts";

/**
 * `send` (one job) under one fault on its first attempt, which the SDK retries by itself
 * (the client's maxAttempts, 3 by default): the result must say when SQS may hold the job twice.
 */
const sqs = testSqs();
const proxies: FaultProxy[] = [];

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

interface Case {
  readonly label: string;
  readonly rates: FaultRates;
  readonly flagged: boolean;
  readonly copies: number;
}

const cases: readonly Case[] = [
  // SQS stored the job, the client saw a reset, the SDK sent it again: the duplicate we must report.
  { label: "a reset after SQS stored the job", rates: { resetAfter: 1 }, flagged: true, copies: 2 },
  // Here SQS never saw the first attempt (the proxy acts alone), but a client cannot tell these
  // faults from the one above: the flag says "possible".
  { label: "a reset before SQS saw the job", rates: { resetBefore: 1 }, flagged: true, copies: 1 },
  { label: "a 500", rates: { error500: 1 }, flagged: true, copies: 1 },
  // Throttling means SQS refused before acting: a retry cannot duplicate.
  { label: "throttling", rates: { throttle: 1 }, flagged: false, copies: 1 },
  { label: "no fault", rates: {}, flagged: false, copies: 1 },
];

describe("JobClient.send under faults", () => {
  it.each(cases)(
    "after $label on the first attempt: possibleDuplicate=$flagged, copies in SQS=$copies",
    async ({ label, rates, flagged, copies }) => {
      // Given a proxy that breaks only the first SendMessage, and the client's default retries
      const queueUrl = await createTestQueue(sqs, "send-fault");
      const proxy = await startFaultProxy({
        target: inject("sqsEndpoint"),
        rates: { SendMessage: rates },
        maxFaults: 1,
      });
      proxies.push(proxy);
      const viaProxy = new SQSClient({ endpoint: proxy.endpoint, useQueueUrlAsEndpoint: false });
      // When one job is sent through it
      const result = await new JobClient({ queueUrl, sqs: viaProxy }).send(importRow, {
        row: 1,
        data: "r1",
      });
      viaProxy.destroy();
      // Then the call succeeds (with the SDK's retry when there was a fault) and says what happened
      const counts = proxy.counts.SendMessage;
      const attempts = Object.values(counts ?? {}).reduce((n, c) => n + c, 0);
      const stored = await drainQueue(sqs, queueUrl, { expect: copies, quietMs: 500 });
      console.log(
        `[producer] send() after ${label}: sent=1 attempts=${attempts} stored=${stored.length} possible-duplicate=${result.possibleDuplicate}`,
      );
      expect(attempts).toBe(Object.keys(rates).length === 0 ? 1 : 2);
      expect(result.possibleDuplicate).toBe(flagged);
      // And every copy in the queue is this job, one of them under the returned messageId
      expect(stored).toHaveLength(copies);
      expect(stored.every((m) => decodeEnvelope(m.Body ?? "").id === result.jobId)).toBe(true);
      expect(stored.map((m) => m.MessageId)).toContain(result.messageId);
    },
  );

  it.each([
    { label: "a reset after SQS stored the job", rates: { resetAfter: 1 }, maybeSent: true, copies: 3 },
    { label: "throttling", rates: { throttle: 1 }, maybeSent: false, copies: 0 },
  ])(
    "when every attempt fails with $label, throws SendError with maybeSent=$maybeSent",
    async ({ label, rates, maybeSent, copies }) => {
      // Given a proxy that breaks every SendMessage
      const queueUrl = await createTestQueue(sqs, "send-fail");
      const proxy = await startFaultProxy({ target: inject("sqsEndpoint"), rates: { SendMessage: rates } });
      proxies.push(proxy);
      const viaProxy = new SQSClient({ endpoint: proxy.endpoint, useQueueUrlAsEndpoint: false });
      // When one job is sent through it, and the 3 attempts all fail
      const error = await new JobClient({ queueUrl, sqs: viaProxy })
        .send(importRow, { row: 1, data: "r1" })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      viaProxy.destroy();
      // Then the error says whether SQS may hold the job, and that is what the queue shows
      const stored = await drainQueue(sqs, queueUrl, { expect: copies, quietMs: 500 });
      console.log(`[producer] send() failing with ${label}: stored=${stored.length} maybe-sent=${maybeSent}`);
      expect(error).toBeInstanceOf(SendError);
      expect((error as SendError).maybeSent).toBe(maybeSent);
      expect((error as SendError).message).toContain(maybeSent ? "may hold it anyway" : "failed");
      expect(stored).toHaveLength(copies);
    },
  );
});
