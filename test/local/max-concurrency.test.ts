import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { sleep } from "../consumer/harness.ts";
import { eventually } from "../helpers/eventually.ts";
import { startOneFunctionStack } from "./one-function-stack.ts";

describe("the local event source", () => {
  it("never runs more invocations at once than the mapping's maximum concurrency", async () => {
    // Given a function fed one record per batch, with a maximum concurrency of 2
    let running = 0;
    let most = 0;
    let done = 0;
    const stack = await startOneFunctionStack(
      async () => {
        running++;
        most = Math.max(most, running);
        await sleep(100);
        running--;
        done++;
      },
      { batchSize: 1, maximumConcurrency: 2 },
    );
    const sqs = new SQSClient({
      endpoint: stack.endpoint,
      region: stack.region,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    try {
      // When 20 messages wait on its queue
      const queueUrl = stack.queues.find((q) => q.name === "work")?.url ?? "";
      for (let i = 0; i < 20; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Array.from({ length: 10 }, (_, n) => ({ Id: String(n), MessageBody: `{"n":${i + n}}` })),
          }),
        );
      }
      // Then all run, two at a time at most (and two at once at some point: the cap was reached)
      expect(
        await eventually(
          async () => done,
          (n) => n === 20,
          20_000,
        ),
      ).toBe(20);
      expect(most).toBe(2);
    } finally {
      sqs.destroy();
      await stack.stop();
    }
  });
});
