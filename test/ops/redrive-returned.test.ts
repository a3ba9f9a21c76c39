import { afterAll, describe, expect, it } from "vitest";
import { createSqsClient } from "../../src/core/sqs-client.ts";
import type { QueueRef } from "../../src/ops/queue-ref.ts";
import { redrive } from "../../src/ops/redrive.ts";
import { fakeMessage, startFakeSqs, TEST_CREDENTIALS } from "./fake-aws.ts";

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

function message(id: string, jobId: string) {
  const body = JSON.stringify({ sqsJobs: 1, job: "build-report", id: jobId, payload: {} });
  return fakeMessage(id, body, { receiptHandle: `rh-${id}-${Math.random()}` });
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
    const fake = await startFakeSqs({
      attributes: { ApproximateNumberOfMessages: "5" },
      receive: () => pending.splice(0, 10),
      sentId: (e) => `copy-${JSON.parse(e.MessageBody).id}`,
      onSend: () => pending.push(message("copy-j1", "j1"), message("dead-again", "j2")),
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
