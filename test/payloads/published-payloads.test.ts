import { randomUUID } from "node:crypto";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { defineJob, handle, JobClient, startWorker } from "../../src/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { createTestQueue, queueArn, testSqs } from "../helpers/sqs.ts";

const endpoint = inject("sqsEndpoint");
const sqs = testSqs();
const sns = new SNSClient({ endpoint, region: "us-east-1" });
const s3 = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true });
const bucket = `published-${randomUUID().slice(0, 8)}`;

const bigReport = defineJob({ name: "big-report", schema: z.object({ text: z.string() }) });

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(() => {
  sqs.destroy();
  sns.destroy();
  s3.destroy();
});

/** A topic and two queues subscribed with raw delivery, as `JobTopic.subscribe` makes them. */
async function fanOut(): Promise<{ topicArn: string; queues: string[] }> {
  const topic = await sns.send(new CreateTopicCommand({ Name: `big-${randomUUID().slice(0, 8)}` }));
  const topicArn = topic.TopicArn ?? "";
  const queues: string[] = [];
  for (const label of ["audit", "digest"]) {
    const queueUrl = await createTestQueue(sqs, `published-${label}`);
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: await queueArn(sqs, queueUrl),
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    queues.push(queueUrl);
  }
  return { topicArn, queues };
}

describe("a publish past SNS's 256 KiB", () => {
  it("goes through S3: each subscribed queue gets the pointer, and each consumer the whole payload", async () => {
    // Given a topic with two subscribed queues, and a publisher with a payload bucket
    const { topicArn, queues } = await fanOut();
    const events = new JobClient({ topicArn, sns, ledger: false, payloads: { bucket, s3 } });
    const text = "word ".repeat(100_000); // 500,000 bytes: twice what SNS takes

    // When a job of 500 KB is published
    const published = await events.publish(bigReport, { text });
    expect(published.jobId).toEqual(expect.any(String));

    // Then each queue holds the Extended Client's pointer, not the payload
    const [first] = queues;
    const peeked = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: first,
        MessageAttributeNames: ["All"],
        VisibilityTimeout: 0,
        WaitTimeSeconds: 2,
      }),
    );
    const message = peeked.Messages?.[0];
    expect(message?.Body).toContain("software.amazon.payloadoffloading.PayloadS3Pointer");
    expect(message?.MessageAttributes?.ExtendedPayloadSize?.StringValue).toEqual(expect.any(String));

    // And a consumer of each queue runs the job with the whole payload
    const ran: number[] = [];
    const workers = queues.map((queueUrl) =>
      startWorker({
        queueUrl,
        sqs,
        ledger: false,
        handleSignals: false,
        waitTimeSeconds: 1,
        handlers: [handle(bigReport, (p) => void ran.push(p.text.length))],
      }),
    );
    try {
      const lengths = await eventually(
        async () => [...ran],
        (r) => r.length === 2,
        20_000,
      );
      expect(lengths).toEqual([text.length, text.length]);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });
});

describe("a client that only publishes", () => {
  it("offloads to the bucket JobTopic({ payloads }) names for its topic, not the consumer's result bucket", async () => {
    // Given the variables JobTopic.grantPublishJobs sets on a publisher that is also a consumer
    // of another queue (whose JobQueue set SQS_JOBS_PAYLOAD_BUCKET for its results)
    const { topicArn, queues } = await fanOut();
    const variables = {
      SQS_JOBS_BIG_EVENTS_TOPIC_ARN: topicArn,
      SQS_JOBS_BIG_EVENTS_TOPIC_PAYLOAD_BUCKET: bucket,
      SQS_JOBS_PAYLOAD_BUCKET: "a-queue-s-result-bucket",
    };
    Object.assign(process.env, variables);
    try {
      const events = new JobClient({ topic: "big-events", sns, ledger: false, payloads: { s3 } });

      // When a job past SNS's limit is published
      await events.publish(bigReport, { text: "word ".repeat(60_000) });

      // Then the pointer every subscribed queue gets names the topic's bucket
      const peeked = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queues[0], VisibilityTimeout: 0, WaitTimeSeconds: 2 }),
      );
      expect(peeked.Messages?.[0]?.Body).toContain(`"s3BucketName":"${bucket}"`);
    } finally {
      for (const name of Object.keys(variables)) delete process.env[name];
    }
  });
});
