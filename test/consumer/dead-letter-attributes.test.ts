import type { MessageAttributeValue, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type DeadLetterCopy, deadLetterAttributes as fitted } from "../../src/consumer/dead-letter.ts";
import type { SqsRecord } from "../../src/consumer/lambda-types.ts";
import { messageBytes } from "../../src/core/message-size.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../../src/core/sqs-limits.ts";
import {
  createSqsHandler,
  DLQ_ATTRIBUTES,
  defineJob,
  handle,
  JobClient,
  PermanentError,
} from "../../src/index.ts";
import { createTestQueue, drainQueue, queueArn, testSqs } from "../helpers/sqs.ts";
import { invokeLikeLambda } from "./harness.ts";

/** The characters SQS accepts in a String attribute value (its documented XML character set). */
const AWS_ALLOWED = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

function expectAwsWouldAccept(attributes: Record<string, MessageAttributeValue>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value.StringValue === undefined) continue;
    expect(AWS_ALLOWED.test(value.StringValue), `${name} = ${JSON.stringify(value.StringValue)}`).toBe(true);
  }
}

/** Refuses, as AWS does, a send whose String attribute holds a character outside SQS's set. */
function enforceAwsAttributeRules(client: SQSClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { MessageAttributes?: Record<string, MessageAttributeValue> };
      for (const value of Object.values(input.MessageAttributes ?? {})) {
        if (value.StringValue !== undefined && !AWS_ALLOWED.test(value.StringValue)) {
          throw Object.assign(new Error("Invalid characters found in message attribute value"), {
            name: "InvalidParameterValue",
          });
        }
      }
      return next(args);
    },
    { step: "initialize", name: "awsAttributeRules" },
  );
}

const record = (body: string, attributes: Record<string, string> = {}) => ({
  messageId: "m-1",
  receiptHandle: "r-1",
  body,
  attributes: { ApproximateReceiveCount: "1", ...attributes },
});

/** The attributes for a copy of a small message to a DLQ of SQS's largest size. */
function deadLetterAttributes(
  r: SqsRecord,
  copy: DeadLetterCopy,
  now: Date,
): Record<string, MessageAttributeValue> {
  const out = fitted(r, copy, now, SQS_MAX_MESSAGE_BYTES);
  if (out === undefined) throw new Error("a small message's reasons did not fit");
  return out;
}

const copy: DeadLetterCopy = {
  reason: "exhausted",
  jobName: "job",
  error: new Error("y".repeat(1_000)),
  attempts: 2,
  sourceQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
};

describe("deadLetterAttributes", () => {
  it("replaces characters SQS refuses in the error's name and message", () => {
    // Given an error whose name and message hold NUL, control characters and lone surrogates
    const error = Object.assign(new Error("bad\u0000byte\u0007 and \uD800 lone"), { name: "Odd\u0001Name" });
    // When the attributes are built
    const out = deadLetterAttributes(
      record("{}"),
      {
        reason: "exhausted",
        jobName: "job",
        error,
        attempts: 1,
        sourceQueueUrl: "q",
      },
      new Date(0),
    );
    // Then every String value is one AWS accepts, and the readable text is kept
    expectAwsWouldAccept(out);
    expect(out[DLQ_ATTRIBUTES.errorMessage]?.StringValue).toContain("byte");
    expect(out[DLQ_ATTRIBUTES.errorMessage]?.StringValue).toContain("lone");
  });

  it("cuts a long message on a code-point boundary, never inside a surrogate pair", () => {
    // Given a message whose 1,000th UTF-16 unit is the first half of an emoji
    const error = new Error(`${"a".repeat(999)}${"😀".repeat(10)}`);
    // When the attributes are built
    const out = deadLetterAttributes(
      record("{}"),
      {
        reason: "exhausted",
        jobName: "job",
        error,
        attempts: 1,
        sourceQueueUrl: "q",
      },
      new Date(0),
    );
    // Then the cut keeps no half pair
    const message = out[DLQ_ATTRIBUTES.errorMessage]?.StringValue ?? "";
    expectAwsWouldAccept(out);
    expect(message.length).toBeLessThanOrEqual(1_000);
    expect(/[\uD800-\uDFFF]$/.test(message.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""))).toBe(false);
  });

  it("sanitizes a job name with a NUL from an unknown-job body", () => {
    const out = deadLetterAttributes(
      record("{}"),
      {
        reason: "poison",
        jobName: "evil\u0000job",
        error: new Error("unknown job"),
        attempts: 1,
        sourceQueueUrl: "q",
      },
      new Date(0),
    );
    expectAwsWouldAccept(out);
    expect(out[DLQ_ATTRIBUTES.job]?.StringValue).toContain("evil");
  });
});

describe("deadLetterAttributes fitted to the DLQ's maximum size", () => {
  /** Bytes of the reason attribute alone with reason "exhausted": name, data type, value. */
  const REASON_BYTES = "sqs-jobs.reason".length + "String".length + "exhausted".length;

  it("carries every body that leaves room for the reason, never over the limit as SQS counts it", () => {
    // Given bodies from 0 to 600 bytes short of a 1,024-byte DLQ's limit
    const max = 1_024;
    for (let slack = 0; slack <= 600; slack++) {
      const body = "b".repeat(max - slack);
      // When their attributes are fitted
      const out = fitted(
        record(body, { ApproximateFirstReceiveTimestamp: "1700000000000" }),
        copy,
        new Date(0),
        max,
      );
      // Then only a body without room for the reason gets none, and no copy is over the limit
      if (slack < REASON_BYTES) {
        expect(out, `slack ${slack}`).toBeUndefined();
        continue;
      }
      expect(out?.[DLQ_ATTRIBUTES.reason]?.StringValue, `slack ${slack}`).toBe("exhausted");
      expect(messageBytes(body, out)).toBeLessThanOrEqual(max);
    }
  });

  it("cuts the error message to the room left, by UTF-8 bytes and between code points", () => {
    // Given a 4-byte-per-character message and a body that leaves 600 bytes (about 300 for it)
    const error = new Error("😀".repeat(500));
    const body = "b".repeat(SQS_MAX_MESSAGE_BYTES - 600);
    // When the attributes are fitted
    const out = fitted(record(body), { ...copy, error }, new Date(0), SQS_MAX_MESSAGE_BYTES);
    // Then the message is whole emojis, and the copy fills the limit to within one character
    const message = out?.[DLQ_ATTRIBUTES.errorMessage]?.StringValue ?? "";
    expect(message).toMatch(/^(😀)+$/u);
    expect(message.length).toBeLessThan(1_000);
    const size = messageBytes(body, out);
    expect(size).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
    expect(size).toBeGreaterThan(SQS_MAX_MESSAGE_BYTES - 4);
  });

  it("never takes a redriven original's old reasons in place of ones that did not fit", () => {
    // Given an original that carries the reasons of its last death, and little room
    const original = {
      ...record("b".repeat(SQS_MAX_MESSAGE_BYTES - 200)),
      messageAttributes: {
        [DLQ_ATTRIBUTES.errorMessage]: { stringValue: "old", dataType: "String" },
        trace: { stringValue: "t", dataType: "String" },
      },
    };
    // When the attributes are fitted
    const out = fitted(original as SqsRecord, copy, new Date(0), SQS_MAX_MESSAGE_BYTES);
    // Then the old message is not there, the original's own attribute is if room is left
    expect(out?.[DLQ_ATTRIBUTES.errorMessage]?.StringValue).not.toBe("old");
    expect(out?.[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("exhausted");
  });

  it("drops the producer's trace before another attribute of the original when SQS's ten are reached", () => {
    // Given an original with its trace ahead of an attribute its reader needs, and every reason
    const value = (stringValue: string) => ({ stringValue, dataType: "String" });
    const original = {
      ...record("{}"),
      messageAttributes: {
        traceparent: value(`00-${"a".repeat(32)}-${"b".repeat(16)}-01`),
        tracestate: value("k=v"),
        ExtendedPayloadSize: value("5000000"),
      },
    };
    // When the attributes are fitted
    const out = deadLetterAttributes(original as SqsRecord, copy, new Date(0));
    // Then the eight reasons and the reader's attribute are there, with what room is left for the trace
    expect(Object.keys(out)).toHaveLength(10);
    expect(out.ExtendedPayloadSize?.StringValue).toBe("5000000");
    expect(out.traceparent).toBeDefined();
    expect(out.tracestate).toBeUndefined();
  });
});

describe("dead-lettering against AWS's attribute rules", () => {
  it("dead-letters a job whose error message holds NUL and an unknown job whose name holds one", async () => {
    // Given a client that refuses attribute values as AWS does
    const sqs = testSqs();
    enforceAwsAttributeRules(sqs);
    const dlqUrl = await createTestQueue(sqs, "dlq-rules-dlq");
    const queueUrl = await createTestQueue(sqs, "dlq-rules");
    const arn = await queueArn(sqs, queueUrl);
    const job = defineJob({ name: "nul", schema: z.object({}) });
    await new JobClient({ queueUrl, sqs: testSqs() }).send(job, {});
    const raw = testSqs();
    await raw.send(
      new (await import("@aws-sdk/client-sqs")).SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ sqsJobs: 1, job: "ghost\u0000", payload: {} }),
      }),
    );
    const handler = createSqsHandler(
      [
        handle(job, () => {
          throw new PermanentError(`refused\u0000\u0001${"😀".repeat(600)}`);
        }),
      ],
      { sqs, dlqUrl, logLevel: "silent", metrics: false },
    );
    // When the batch runs
    const { response } = await invokeLikeLambda(testSqs(), queueUrl, arn, handler, { expect: 2 });
    // Then both reach the DLQ
    expect(response.batchItemFailures).toEqual([]);
    const dead = await drainQueue(testSqs(), dlqUrl, { expect: 2 });
    expect(dead.map((m) => m.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue).sort()).toEqual([
      "permanent",
      "poison",
    ]);
  });
});
