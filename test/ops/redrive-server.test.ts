import { afterEach, describe, expect, it } from "vitest";
import { createSqsClient } from "../../src/core/sqs-client.ts";
import type { QueueRef } from "../../src/ops/queue-ref.ts";
import { redrive } from "../../src/ops/redrive.ts";
import { startFakeAws, TEST_CREDENTIALS } from "./fake-aws.ts";

function ref(name: string): QueueRef {
  return {
    name,
    url: `http://127.0.0.1/123456789012/${name}`,
    arn: `arn:aws:sqs:us-east-1:123456789012:${name}`,
    fifo: false,
    attributes: {},
    dlqArn: undefined,
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("server-side redrive (StartMessageMoveTask, as on AWS and LocalStack)", () => {
  it("starts a move task with the rate and destination, and reports progress until it completes", async () => {
    // Given an SQS API whose move task needs two polls to finish
    let polls = 0;
    const fake = await startFakeAws((req) => {
      if (req.target === "AmazonSQS.StartMessageMoveTask") return { status: 200, body: { TaskHandle: "t1" } };
      polls++;
      const done = polls >= 2;
      return {
        status: 200,
        body: {
          Results: [
            {
              TaskHandle: "t1",
              Status: done ? "COMPLETED" : "RUNNING",
              ApproximateNumberOfMessagesMoved: done ? 7 : 3,
              ApproximateNumberOfMessagesToMove: 7,
            },
          ],
        },
      };
    });
    close = fake.close;
    const sqs = createSqsClient({
      endpoint: fake.endpoint,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
    });
    const progress: number[] = [];

    // When a redrive without filters runs to a chosen destination
    const result = await redrive(sqs, {
      dlq: ref("reports-dlq"),
      sources: [ref("reports")],
      to: ref("replay"),
      maxPerSecond: 50,
      pollMs: 10,
      onProgress: (p) => progress.push(p.moved),
    });

    // Then SQS did the move, with the rate and destination passed through
    expect(result).toMatchObject({
      mode: "server",
      moved: 7,
      total: 7,
      failed: 0,
      fallbackReason: undefined,
    });
    expect(progress).toEqual([3, 7]);
    expect(fake.requests[0]?.body).toEqual({
      SourceArn: "arn:aws:sqs:us-east-1:123456789012:reports-dlq",
      DestinationArn: "arn:aws:sqs:us-east-1:123456789012:replay",
      MaxNumberOfMessagesPerSecond: 50,
    });
    sqs.destroy();
  });

  it("reports a failed move task with SQS's reason", async () => {
    const fake = await startFakeAws((req) =>
      req.target === "AmazonSQS.StartMessageMoveTask"
        ? { status: 200, body: { TaskHandle: "t1" } }
        : {
            status: 200,
            body: {
              Results: [
                {
                  TaskHandle: "t1",
                  Status: "FAILED",
                  FailureReason: "AccessDenied",
                  ApproximateNumberOfMessagesMoved: 1,
                },
              ],
            },
          },
    );
    close = fake.close;
    const sqs = createSqsClient({
      endpoint: fake.endpoint,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
    });
    await expect(redrive(sqs, { dlq: ref("d"), sources: [ref("s")], pollMs: 10 })).rejects.toThrow(
      /move task from d failed after moving 1 message: AccessDenied/,
    );
    sqs.destroy();
  });
});
