import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createSqsHandler, defineJob, handle } from "../../src/index.ts";
import { invokeLikeLambda, memoryLogger } from "../consumer/harness.ts";
import { eventually } from "../helpers/eventually.ts";
import { createTestQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";

/**
 * S3 out of reach is not the job's fault: a pointer whose object cannot be read now comes back
 * after a backoff, never at once and never dead-lettered as poison. Its own file: the consumer's
 * S3 client is made once per process, here pointed at a port nothing listens on.
 */
const sqs = testSqs();
const job = defineJob({ name: "far", schema: z.object({ n: z.number() }) });

describe("a pointer S3 cannot serve now", () => {
  it("is handed back with a backoff (2 s on the first attempt), not released at once, not dead-lettered", async () => {
    // Given a pointer message and a consumer whose S3 endpoint refuses connections
    process.env.AWS_ENDPOINT_URL_S3 = "http://127.0.0.1:1";
    const dlqUrl = await createTestQueue(sqs, "s3-far-dlq");
    const queueUrl = await createTestQueue(sqs, "s3-far", { attributes: { VisibilityTimeout: "30" } });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify([
          "software.amazon.payloadoffloading.PayloadS3Pointer",
          { s3BucketName: "b", s3Key: "sqs-jobs/far/1.json" },
        ]),
      }),
    );
    let runs = 0;
    const { lines, logger } = memoryLogger();
    const handler = createSqsHandler(
      [
        handle(job, () => {
          runs++;
        }),
      ],
      { sqs, dlqUrl, metrics: false, logger },
    );
    try {
      // When Lambda invokes the handler with it
      const { event, response } = await invokeLikeLambda(
        sqs,
        queueUrl,
        await queueArn(sqs, queueUrl),
        handler,
      );
      // Then it is reported failed, invisible for its backoff rather than the 30 s visibility timeout
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
      expect(await queueDepth(sqs, queueUrl)).toMatchObject({ visible: 0, inFlight: 1 });
      await eventually(
        () => queueDepth(sqs, queueUrl),
        (d) => d.visible === 1,
        10_000,
      );
      expect(runs).toBe(0);
      expect(await queueDepth(sqs, dlqUrl)).toMatchObject({ visible: 0 });
      expect(lines.some((l) => l.message.includes("tried again in 2 s"))).toBe(true);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_S3;
    }
  });
});
