import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as zm from "zod/mini";
import {
  createSqsHandler,
  DLQ_ATTRIBUTES,
  defineJob,
  handle,
  type JobSchema,
  type Logger,
  type SqsRecord,
} from "../../src/index.ts";
import { createTestQueue, drainQueue, queueArn, testSqs } from "../helpers/sqs.ts";

/**
 * A consumer receiving payloads its schema refuses: each is poison, and neither the dead-letter
 * attributes nor any log line carries a payload value, whatever the schema library says or throws.
 */

const SECRET = "alice.secret@example";
const sqs = testSqs();

/** Each schema with an email it accepts; it refuses SECRET. */
const cases: [string, JobSchema, string][] = [
  ["zod", z.object({ email: z.email() }), "a@example.com"],
  ["zod/mini", zm.object({ email: zm.email() }), "a@example.com"],
  ["valibot", v.object({ email: v.pipe(v.string(), v.email()) }), "a@example.com"],
  [
    "a zod transform that throws",
    z.object({ email: z.string().transform((s) => JSON.parse(s) as unknown) }),
    '"a@example.com"',
  ],
  [
    "a valibot transform that throws",
    v.object({
      email: v.pipe(
        v.string(),
        v.transform((s) => JSON.parse(s) as unknown),
      ),
    }),
    '"a@example.com"',
  ],
];

function record(queueArnValue: string, job: string, i: number, email: string): SqsRecord {
  const now = Date.now();
  return {
    messageId: `m-${i}`,
    receiptHandle: `r-${i}`,
    body: JSON.stringify({ sqsJobs: 1, job, id: `job-${i}`, payload: { email } }),
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(now) },
    eventSourceARN: queueArnValue,
  };
}

describe.each(cases)("a consumer with %s", (_, schema, good) => {
  it("dead-letters the bad payload as poison with no payload value in its attributes or logs", async () => {
    // Given a queue, its DLQ, and a job whose schema refuses the payload
    const queueUrl = await createTestQueue(sqs, "privacy");
    const dlqUrl = await createTestQueue(sqs, "privacy-dlq");
    const arn = await queueArn(sqs, queueUrl);
    const job = defineJob({ name: "signup", schema });
    const lines: string[] = [];
    const capture = (message: string, fields?: Record<string, unknown>) => {
      lines.push(`${message} ${JSON.stringify(fields)}`);
    };
    const logger: Logger = { debug: capture, info: capture, warn: capture, error: capture };
    let ran = 0;
    const handler = createSqsHandler(
      [
        handle(job, async () => {
          ran++;
        }),
      ],
      { sqs, queueUrl, dlqUrl, logger, logLevel: "debug", metrics: false },
    );
    // When a batch holds the bad payload beside a good one
    const response = await handler(
      { Records: [record(arn, job.name, 1, SECRET), record(arn, job.name, 2, good)] },
      { getRemainingTimeInMillis: () => 60_000 },
    );
    // Then the bad one is dead-lettered as poison and the good one runs once
    expect(response.batchItemFailures).toEqual([]);
    expect(ran).toBe(1);
    const [dead, ...more] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    expect(more).toHaveLength(0);
    const attributes = dead?.MessageAttributes ?? {};
    expect(attributes[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("poison");
    expect(attributes[DLQ_ATTRIBUTES.errorName]?.StringValue).toBe("ValidationError");
    // ...and no payload value appears anywhere but the body itself
    const text = `${JSON.stringify(attributes)}\n${lines.join("\n")}`;
    expect(text).not.toContain("alice");
    expect(text).not.toContain("secret");
    expect(lines.length).toBeGreaterThan(0);
  });
});
