import * as sdk from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { DeadLetterQueues } from "../../src/consumer/dead-letter-queues.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../../src/core/sqs-limits.ts";

/** A client whose every GetQueueAttributes is refused with `error`; `calls` counts them. */
function refusing(error: { name: string; status: number }) {
  const counter = { calls: 0 };
  const client = new sdk.SQSClient({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    () => async () => {
      counter.calls++;
      throw Object.assign(new Error("refused"), {
        name: error.name,
        $fault: "client",
        $metadata: { httpStatusCode: error.status },
      });
    },
    { step: "finalizeRequest" },
  );
  const dlqs = new DeadLetterQueues(async () => ({ client, sdk }));
  return { dlqs, counter };
}

const DLQ = "http://127.0.0.1:9/000000000000/jobs-dlq";

describe("a DLQ's maximum message size", () => {
  it("is read once when the consumer may not read it: SQS's maximum is assumed and kept", async () => {
    // Given a consumer without sqs:GetQueueAttributes on its DLQ
    const { dlqs, counter } = refusing({ name: "AccessDenied", status: 403 });
    // When it dead-letters three jobs
    const sizes = [
      await dlqs.maxMessageBytes(DLQ),
      await dlqs.maxMessageBytes(DLQ),
      await dlqs.maxMessageBytes(DLQ),
    ];
    // Then it assumed SQS's maximum each time, and asked once
    expect(sizes).toEqual([SQS_MAX_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES]);
    expect(counter.calls).toBe(1);
  });

  it("is asked again after a throttled read, which a later one may pass", async () => {
    const { dlqs, counter } = refusing({ name: "ThrottlingException", status: 400 });
    expect(await dlqs.maxMessageBytes(DLQ)).toBe(SQS_MAX_MESSAGE_BYTES);
    expect(await dlqs.maxMessageBytes(DLQ)).toBe(SQS_MAX_MESSAGE_BYTES);
    expect(counter.calls).toBe(2);
  });
});
