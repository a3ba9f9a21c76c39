import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createSqsClient } from "../../src/core/sqs-client.ts";
import type { QueueRef } from "../../src/ops/queue-ref.ts";
import { redrive } from "../../src/ops/redrive.ts";
import { startFakeAws, TEST_CREDENTIALS } from "./fake-aws.ts";

function queue(name: string): QueueRef {
  return {
    name,
    url: `http://127.0.0.1/123456789012/${name}`,
    arn: `arn:aws:sqs:us-east-1:123456789012:${name}`,
    fifo: false,
    attributes: {},
    dlqArn: undefined,
  };
}

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

function message(id: string, jobId: string) {
  const body = JSON.stringify({ sqsJobs: 1, job: "build-report", id: jobId, payload: {} });
  return { MessageId: id, ReceiptHandle: `rh-${id}-${Math.random()}`, Body: body, MD5OfBody: md5(body) };
}

let close: (() => Promise<void>) | undefined;
afterAll(async () => close?.());

describe("a client-side redrive never moves its own copies again", () => {
  it("holds a copy that comes back by its message id (SQS moved it) or its job id (sqs-jobs did)", async () => {
    // Given a DLQ that counted 5 messages at the start (so the count alone would not stop the run),
    // holding two jobs; each copy the redrive sends comes straight back: j1's under the copy's own
    // message id, as SQS's RedrivePolicy moves it, j2's as a new message with the same job id,
    // as the sqs-jobs consumer dead-letters it
    const pending = [message("m1", "j1"), message("m2", "j2")];
    const fake = await startFakeAws((req) => {
      switch (req.target) {
        case "AmazonSQS.GetQueueAttributes":
          return { status: 200, body: { Attributes: { ApproximateNumberOfMessages: "5" } } };
        case "AmazonSQS.ReceiveMessage":
          return { status: 200, body: { Messages: pending.splice(0, 10) } };
        case "AmazonSQS.SendMessageBatch": {
          const entries = (req.body as { Entries: { Id: string; MessageBody: string }[] }).Entries;
          const successful = entries.map((e) => ({
            Id: e.Id,
            MessageId: `copy-${JSON.parse(e.MessageBody).id}`,
            MD5OfMessageBody: md5(e.MessageBody),
          }));
          pending.push(message("copy-j1", "j1"), message("dead-again", "j2"));
          return { status: 200, body: { Successful: successful } };
        }
        case "AmazonSQS.DeleteMessageBatch":
        case "AmazonSQS.ChangeMessageVisibilityBatch": {
          const entries = (req.body as { Entries: { Id: string }[] }).Entries;
          return { status: 200, body: { Successful: entries.map((e) => ({ Id: e.Id })) } };
        }
        default:
          return { status: 400, body: { __type: "com.amazonaws.sqs#InvalidAction", message: "unexpected" } };
      }
    });
    close = fake.close;
    const sqs = createSqsClient({
      endpoint: fake.endpoint,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
    });

    // When the DLQ is redriven with a filter (the client-side move)
    const result = await redrive(sqs, {
      dlq: queue("reports-dlq"),
      sources: [queue("reports")],
      filter: { job: "build-report" },
    });
    sqs.destroy();

    // Then each job was copied once, and both copies that came back were left in the DLQ
    expect(result).toMatchObject({ mode: "client", moved: 2, returned: 2, failed: 0 });
    const copies = fake.requests
      .filter((r) => r.target === "AmazonSQS.SendMessageBatch")
      .flatMap((r) => (r.body as { Entries: unknown[] }).Entries);
    expect(copies).toHaveLength(2);
  });
});
