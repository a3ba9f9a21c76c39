import { afterAll, describe, expect, it } from "vitest";
import { createSqsClient } from "../../src/core/sqs-client.ts";
import type { QueueRef } from "../../src/ops/queue-ref.ts";
import { redrive } from "../../src/ops/redrive.ts";
import { fakeMessage, startFakeSqs, TEST_CREDENTIALS } from "./fake-aws.ts";

function fifo(name: string): QueueRef {
  return {
    name,
    url: `http://127.0.0.1/123456789012/${name}`,
    arn: `arn:aws:sqs:us-east-1:123456789012:${name}`,
    fifo: true,
    attributes: {},
    dlqArn: undefined,
  };
}

function message(id: string, group: string, job: string) {
  return fakeMessage(id, JSON.stringify({ sqsJobs: 1, job, payload: {} }), { groupId: group, job });
}

let close: (() => Promise<void>) | undefined;
afterAll(async () => close?.());

describe("client-side redrive of a FIFO DLQ", () => {
  it("never moves a job past an earlier job of its group that stays, even when one receive returns both", async () => {
    // Given an SQS API that, as AWS may, returns two messages of one group in one receive:
    // first a job the filter leaves, then one it matches; and a matching job of another group
    let receives = 0;
    const fake = await startFakeSqs({
      attributes: { ApproximateNumberOfMessages: "3" },
      receive: () =>
        ++receives === 1
          ? [
              message("m1", "g1", "send-email"),
              message("m2", "g1", "build-report"),
              message("m3", "g2", "build-report"),
            ]
          : [],
    });
    close = fake.close;
    const sqs = createSqsClient({
      endpoint: fake.endpoint,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
    });

    // When only build-report jobs are redriven
    const result = await redrive(sqs, {
      dlq: fifo("jobs-dlq.fifo"),
      sources: [fifo("jobs.fifo")],
      filter: { job: "build-report" },
    });

    // Then only g2's job was copied (with its group and a redrive dedup id) and deleted;
    // both g1 jobs were made visible again, in place
    expect(result).toMatchObject({ mode: "client", moved: 1, skipped: 2, failed: 0 });
    const sent = fake.requests.filter((r) => r.target === "AmazonSQS.SendMessageBatch");
    expect(sent.map((r) => r.body)).toEqual([
      expect.objectContaining({
        Entries: [expect.objectContaining({ MessageGroupId: "g2", MessageDeduplicationId: "redrive-m3" })],
      }),
    ]);
    const deleted = fake.requests.filter((r) => r.target === "AmazonSQS.DeleteMessageBatch");
    expect(deleted.map((r) => r.body)).toEqual([
      expect.objectContaining({ Entries: [{ Id: "0", ReceiptHandle: "rh-m3" }] }),
    ]);
    const restored = fake.requests.filter((r) => r.target === "AmazonSQS.ChangeMessageVisibilityBatch");
    const handles = restored.flatMap((r) =>
      (r.body as { Entries: { ReceiptHandle: string }[] }).Entries.map((e) => e.ReceiptHandle),
    );
    expect(handles.sort()).toEqual(["rh-m1", "rh-m2"]);
    sqs.destroy();
  });
});
