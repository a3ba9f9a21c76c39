import { afterAll, describe, expect, it } from "vitest";
import { createSqsClient } from "../../src/core/sqs-client.ts";
import { peekDeadLetters } from "../../src/ops/peek.ts";
import { fakeMessage, startFakeSqs, TEST_CREDENTIALS } from "./fake-aws.ts";

let close: (() => Promise<void>) | undefined;
afterAll(async () => close?.());

describe("dlq peek hides what it reads as briefly as it can", () => {
  it("receives with a visibility of 10 s at most and releases every message with visibility 0", async () => {
    // Given a DLQ holding two messages
    const body = '{"sqsJobs":1,"job":"build-report","id":"j1","payload":{}}';
    let receives = 0;
    const fake = await startFakeSqs({
      attributes: { ApproximateNumberOfMessages: "2" },
      receive: () => (++receives > 1 ? [] : ["m1", "m2"].map((id) => fakeMessage(id, body))),
    });
    close = fake.close;
    const sqs = createSqsClient({
      endpoint: fake.endpoint,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
    });

    // When it is peeked
    const records = await peekDeadLetters(sqs, `${fake.endpoint}/123456789012/reports-dlq`);
    sqs.destroy();

    // Then both were shown, received hidden for 10 s at most, and released at once afterwards
    expect(records.map((r) => r.messageId)).toEqual(["m1", "m2"]);
    const received = fake.requests.filter((r) => r.target === "AmazonSQS.ReceiveMessage");
    for (const r of received)
      expect((r.body as { VisibilityTimeout: number }).VisibilityTimeout).toBeLessThanOrEqual(10);
    const released = fake.requests
      .filter((r) => r.target === "AmazonSQS.ChangeMessageVisibilityBatch")
      .flatMap(
        (r) => (r.body as { Entries: { ReceiptHandle: string; VisibilityTimeout: number }[] }).Entries,
      );
    expect(released).toEqual([
      { Id: "0", ReceiptHandle: "rh-m1", VisibilityTimeout: 0 },
      { Id: "1", ReceiptHandle: "rh-m2", VisibilityTimeout: 0 },
    ]);
  });
});
