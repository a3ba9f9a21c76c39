import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, handle, JobClient, startWorker } from "../../src/index.ts";
import { sleep } from "../consumer/harness.ts";
import { createTestQueue, testSqs } from "../helpers/sqs.ts";

const sqs = testSqs();

const crawl = defineJob({
  name: "crawl",
  schema: z.object({ tenant: z.string(), n: z.number() }),
  tenant: (payload) => payload.tenant,
});

describe("fair tenants on the local stack", () => {
  it("a tenant with 10 jobs finishes first although another sent 1,000 before it", async () => {
    // Given 1,000 jobs of a noisy tenant on a standard queue, then 10 of a quiet one
    const queueUrl = await createTestQueue(sqs, "fair");
    const jobs = new JobClient({ queueUrl, sqs, ledger: false });
    const noisy = await jobs.sendBatch(
      crawl,
      Array.from({ length: 1_000 }, (_, n) => ({ tenant: "noisy", n })),
    );
    const quiet = await jobs.sendBatch(
      crawl,
      Array.from({ length: 10 }, (_, n) => ({ tenant: "quiet", n })),
    );
    expect([noisy.failed, quiet.failed]).toEqual([0, 0]);
    // When a worker with 5 slots works the queue
    const finished: string[] = [];
    let quietDone: () => void = () => {};
    const allQuiet = new Promise<void>((resolve) => (quietDone = resolve));
    const worker = startWorker({
      queueUrl,
      sqs,
      ledger: false,
      concurrency: 5,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: "silent",
      handlers: [
        handle(crawl, async (p) => {
          await sleep(10);
          finished.push(p.tenant);
          if (finished.filter((t) => t === "quiet").length === 10) quietDone();
        }),
      ],
    });
    try {
      await allQuiet;
    } finally {
      await worker.stop();
      await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    }
    // Then the quiet tenant's 10 jobs were done within the first hundred, not after the 1,000
    const lastQuiet = finished.lastIndexOf("quiet");
    expect(lastQuiet).toBeLessThan(100);
  });

  it("a standard queue's receive returns the message group id a send gave, as SQS fair queues do", async () => {
    const queueUrl = await createTestQueue(sqs, "fair-group");
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "{}", MessageGroupId: "acme" }));
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageSystemAttributeNames: ["MessageGroupId"] }),
    );
    expect(out.Messages?.[0]?.Attributes?.MessageGroupId).toBe("acme");
  });
});
