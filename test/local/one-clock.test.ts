import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevStack } from "../../tools/src/local/dev-stack.ts";
import { startOneFunctionStack } from "./one-function-stack.ts";

const received: string[] = [];
let stack: DevStack;
let sqs: SQSClient;

beforeAll(async () => {
  stack = await startOneFunctionStack(async (event: { Records: { body: string }[] }) => {
    for (const r of event.Records) received.push(r.body);
    return { batchItemFailures: [] };
  });
  sqs = new SQSClient({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
});
afterAll(async () => {
  sqs.destroy();
  await stack?.stop();
});

describe("sqs-jobs dev's clock route moves the clock the testing kit moves", () => {
  it("brings a delayed message on, as advanceTime does", async () => {
    // Given a message delayed by 15 minutes on the stack's queue
    const queueUrl = `${stack.endpoint}/000000000000/work`;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "later", DelaySeconds: 900 }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received).toEqual([]);

    // When the clock route moves time 15 minutes on
    const answer = await fetch(`${stack.endpoint}/_sqs-jobs/clock/advance`, {
      method: "POST",
      body: JSON.stringify({ ms: 900_000 }),
    });
    expect(answer.status).toBe(200);

    // Then the function receives it, as after the testing kit's advanceTime
    await expect.poll(() => received, { timeout: 10_000 }).toEqual(["later"]);
  });
});
