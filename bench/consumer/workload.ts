import { randomUUID } from "node:crypto";
import { z } from "zod";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { newJobId } from "../../src/core/job-id.ts";
import { JOB_NAME_ATTRIBUTE } from "../../src/core/job-name-attribute.ts";
import { defineJob, type SqsEvent, type SqsRecord } from "../../src/index.ts";

/**
 * The payload of every consumer benchmark: five fields of the kinds real jobs carry (string,
 * number, boolean, enum, array), so validation costs what a typical job's does.
 */
export const benchSchema = z.object({
  userId: z.string().min(1),
  amount: z.number().int().nonnegative(),
  urgent: z.boolean(),
  channel: z.enum(["email", "sms", "push"]),
  tags: z.array(z.string()).max(10),
});

export const benchJob = defineJob({ name: "bench-consume", schema: benchSchema });

export type BenchPayload = z.infer<typeof benchSchema>;

export function benchPayload(i: number): BenchPayload {
  return {
    userId: `user-${i}`,
    amount: i,
    urgent: i % 2 === 0,
    channel: (["email", "sms", "push"] as const)[i % 3] ?? "email",
    tags: ["alpha", `t${i % 7}`],
  };
}

export const QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:bench-consume";

/**
 * An SQS event as Lambda delivers it, with bodies encoded exactly as the producer encodes them
 * (`encodeEnvelopeJson` around the payload's JSON, a UUIDv7 job id) and the job-name attribute.
 */
export function sqsEvent(records: number): SqsEvent {
  const sent = Date.now();
  const enqueuedAt = new Date(sent).toISOString();
  const list: SqsRecord[] = [];
  for (let i = 0; i < records; i++) {
    list.push({
      messageId: randomUUID(),
      // Real receipt handles are opaque strings of about 200 characters.
      receiptHandle: `AQEB${randomUUID().replaceAll("-", "")}`.padEnd(200, "x"),
      body: encodeEnvelopeJson(benchJob.name, newJobId(sent), enqueuedAt, JSON.stringify(benchPayload(i))),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: String(sent),
        ApproximateFirstReceiveTimestamp: String(sent + 5),
      },
      messageAttributes: { [JOB_NAME_ATTRIBUTE]: { stringValue: benchJob.name, dataType: "String" } },
      eventSourceARN: QUEUE_ARN,
    });
  }
  // Lambda also sends these per record; our types leave them out, the baselines ignore them.
  return {
    Records: list.map((r) => ({
      ...r,
      md5OfBody: "0",
      eventSource: "aws:sqs",
      awsRegion: "us-east-1",
    })),
  };
}
