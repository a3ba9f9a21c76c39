import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { JOB_NAME_ATTRIBUTE } from "../../src/core/job-name-attribute.ts";
import {
  createSqsHandler,
  DLQ_ATTRIBUTES,
  defineJob,
  handle,
  JobClient,
  PermanentError,
} from "../../src/index.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { invokeLikeLambda } from "./harness.ts";

const sqs = testSqs();

const charge = defineJob({
  name: "charge",
  schema: z.object({ amount: z.number().int().positive() }),
  retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 0 } },
});

async function queues(label: string, redrive = false) {
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`);
  const attributes: Record<string, string> = {};
  if (redrive) {
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: await queueArn(sqs, dlqUrl),
      maxReceiveCount: 10,
    });
  }
  const queueUrl = await createTestQueue(sqs, label, { attributes });
  return { queueUrl, dlqUrl, arn: await queueArn(sqs, queueUrl) };
}

function attr(
  message: { MessageAttributes?: Record<string, { StringValue?: string }> } | undefined,
  name: string,
) {
  return message?.MessageAttributes?.[name]?.StringValue;
}

describe("dead-lettering", () => {
  it("moves a job to the DLQ after maxAttempts with every reason attribute", async () => {
    // Given a job that always fails, with 2 attempts
    const { queueUrl, dlqUrl, arn } = await queues("dlq-exhausted");
    const { jobId } = await new JobClient({ queueUrl, sqs }).send(charge, { amount: 5 });
    const handler = createSqsHandler(
      [
        handle(charge, async () => {
          throw new TypeError("card declined");
        }),
      ],
      { sqs, dlqUrl, logLevel: "silent", metrics: false },
    );
    // When both attempts fail
    const first = await invokeLikeLambda(sqs, queueUrl, arn, handler);
    const second = await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then the first is retried and the second is dead-lettered and removed from the source
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect(second.response.batchItemFailures).toEqual([]);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const [dead, ...more] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    expect(more).toHaveLength(0);
    expect(dead?.Body).toBe(first.event.Records[0]?.body);
    expect(dead?.Body).toContain(jobId);
    expect(attr(dead, DLQ_ATTRIBUTES.job)).toBe("charge");
    expect(attr(dead, JOB_NAME_ATTRIBUTE)).toBe("charge");
    expect(attr(dead, DLQ_ATTRIBUTES.reason)).toBe("exhausted");
    expect(attr(dead, DLQ_ATTRIBUTES.errorName)).toBe("TypeError");
    expect(attr(dead, DLQ_ATTRIBUTES.errorMessage)).toBe("card declined");
    expect(attr(dead, DLQ_ATTRIBUTES.attempts)).toBe("2");
    expect(attr(dead, DLQ_ATTRIBUTES.sourceQueue)).toMatch(/dlq-exhausted-[0-9a-f]+$/);
    const firstAt = Date.parse(attr(dead, DLQ_ATTRIBUTES.firstFailureAt) ?? "");
    const lastAt = Date.parse(attr(dead, DLQ_ATTRIBUTES.lastFailureAt) ?? "");
    expect(firstAt).toBeLessThanOrEqual(lastAt);
    expect(Date.now() - firstAt).toBeLessThan(60_000);
    expect(Object.keys(dead?.MessageAttributes ?? {}).length).toBeLessThanOrEqual(10);
  });

  it("dead-letters PermanentError at once, to the DLQ named by the queue's RedrivePolicy", async () => {
    // Given a queue with a RedrivePolicy and no dlqUrl option
    const { queueUrl, dlqUrl, arn } = await queues("dlq-redrive", true);
    await new JobClient({ queueUrl, sqs }).send(charge, { amount: 1 });
    const handler = createSqsHandler(
      [
        handle(charge, async () => {
          throw new PermanentError("account closed");
        }),
      ],
      { sqs, logLevel: "silent", metrics: false },
    );
    // When the first attempt throws PermanentError
    const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then it is in the redrive DLQ after one attempt
    expect(response.batchItemFailures).toEqual([]);
    const [dead] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    expect(attr(dead, DLQ_ATTRIBUTES.reason)).toBe("permanent");
    expect(attr(dead, DLQ_ATTRIBUTES.errorName)).toBe("PermanentError");
    expect(attr(dead, DLQ_ATTRIBUTES.attempts)).toBe("1");
  });

  it("dead-letters each kind of poison at once, never running a handler", async () => {
    // Given a body that is not an envelope, an unknown job, and a payload failing the schema
    const { queueUrl, dlqUrl, arn } = await queues("dlq-poison");
    for (const body of [
      "hello, not json",
      JSON.stringify({ sqsJobs: 1, job: "refund", payload: {} }),
      JSON.stringify({ sqsJobs: 1, job: "charge", payload: { amount: -3 } }),
    ]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    }
    let ran = 0;
    const handler = createSqsHandler(
      [
        handle(charge, async () => {
          ran++;
        }),
      ],
      { sqs, dlqUrl, logLevel: "silent", metrics: false },
    );
    // When the batch runs
    const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler, { expect: 3 });
    // Then all three are in the DLQ with reason poison and the right error
    expect(response.batchItemFailures).toEqual([]);
    expect(ran).toBe(0);
    const dead = await drainQueue(sqs, dlqUrl, { expect: 3 });
    const byError = new Map(dead.map((m) => [attr(m, DLQ_ATTRIBUTES.errorName), m]));
    expect([...byError.keys()].sort()).toEqual(["EnvelopeError", "SqsJobsError", "ValidationError"]);
    for (const m of dead) {
      expect(attr(m, DLQ_ATTRIBUTES.reason)).toBe("poison");
      expect(attr(m, DLQ_ATTRIBUTES.attempts)).toBe("1");
    }
    expect(attr(byError.get("SqsJobsError"), DLQ_ATTRIBUTES.job)).toBe("refund");
    expect(attr(byError.get("ValidationError"), DLQ_ATTRIBUTES.job)).toBe("charge");
    expect(attr(byError.get("ValidationError"), DLQ_ATTRIBUTES.errorMessage)).toContain("amount");
    expect(attr(byError.get("EnvelopeError"), DLQ_ATTRIBUTES.job)).toBeUndefined();
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("returns the record for retry when the DLQ send fails", async () => {
    // Given a DLQ URL that does not exist
    const { queueUrl, arn } = await queues("dlq-broken");
    const missing = queueUrl.replace(/[^/]+$/, "no-such-queue-4d1c");
    await new JobClient({ queueUrl, sqs }).send(charge, { amount: 2 });
    const handler = createSqsHandler(
      [
        handle(charge, async () => {
          throw new PermanentError("nope");
        }),
      ],
      { sqs, dlqUrl: missing, logLevel: "silent", metrics: false },
    );
    // When the job must be dead-lettered
    const { event, response } = await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then it is reported as failed and stays on the source queue
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(await queueDepth(sqs, queueUrl)).toMatchObject({ inFlight: 1 });
  });

  it("keeps its own attributes within SQS's ten, dropping the original's extras", async () => {
    // Given a message with nine attributes of its own
    const { queueUrl, dlqUrl, arn } = await queues("dlq-attrs");
    const MessageAttributes: Record<string, { DataType: string; StringValue: string }> = {};
    for (let i = 0; i < 9; i++)
      MessageAttributes[`custom-${i}`] = { DataType: "String", StringValue: `v${i}` };
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "{}", MessageAttributes }));
    const handler = createSqsHandler([handle(charge, async () => {})], {
      sqs,
      dlqUrl,
      logLevel: "silent",
      metrics: false,
    });
    // When it is dead-lettered as poison
    await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then ours are all there and the total is ten
    const [dead] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    const names = Object.keys(dead?.MessageAttributes ?? {});
    expect(names).toHaveLength(10);
    for (const name of Object.values(DLQ_ATTRIBUTES).filter((n) => n !== DLQ_ATTRIBUTES.job)) {
      expect(names).toContain(name);
    }
  });
});
