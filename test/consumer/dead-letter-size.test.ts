import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { newJobId } from "../../src/core/job-id.ts";
import { JOB_NAME_ATTRIBUTE } from "../../src/core/job-name-attribute.ts";
import { messageBytes } from "../../src/core/message-size.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../../src/core/sqs-limits.ts";
import {
  createSqsHandler,
  DLQ_ATTRIBUTES,
  defineJob,
  handle,
  JobClient,
  PayloadTooLargeError,
  PermanentError,
  type SqsHandlerOptions,
  type SqsJobsHandler,
} from "../../src/index.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";
import { invokeLikeLambda, memoryLogger } from "./harness.ts";

const sqs = testSqs();
const { client: dynamodb, newLedger } = ledgerFixture();

const big = defineJob({
  name: "big",
  schema: z.object({ blob: z.string() }),
  retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 0 } },
});

/** A `big` job's body as JobClient writes it, sized so that body + job-name attribute is `total` bytes. */
function bodyOfSize(total: number): string {
  const id = newJobId();
  const at = new Date().toISOString();
  const attribute = JOB_NAME_ATTRIBUTE.length + "String".length + big.name.length;
  const empty = encodeEnvelopeJson(big.name, id, at, JSON.stringify({ blob: "" }));
  const blob = "x".repeat(total - attribute - empty.length);
  return encodeEnvelopeJson(big.name, id, at, JSON.stringify({ blob }));
}

async function sendRaw(queueUrl: string, body: string): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageAttributes: { [JOB_NAME_ATTRIBUTE]: { DataType: "String", StringValue: big.name } },
    }),
  );
}

/** A queue and its DLQ, with SQS's redrive policy after `maxReceiveCount` receives. */
async function queues(label: string, options: { maxReceiveCount?: number; dlqMaxBytes?: number } = {}) {
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`, {
    attributes: options.dlqMaxBytes === undefined ? {} : { MaximumMessageSize: String(options.dlqMaxBytes) },
  });
  const RedrivePolicy = JSON.stringify({
    deadLetterTargetArn: await queueArn(sqs, dlqUrl),
    maxReceiveCount: options.maxReceiveCount ?? 10,
  });
  const queueUrl = await createTestQueue(sqs, label, { attributes: { RedrivePolicy } });
  return { queueUrl, dlqUrl, arn: await queueArn(sqs, queueUrl) };
}

/** Delivers the queue's one message, as Lambda would, until it has left the queue; returns the deliveries. */
async function deliverUntilGone(handler: SqsJobsHandler, queueUrl: string, arn: string): Promise<number> {
  let deliveries = 0;
  for (let invocation = 0; invocation < 15; invocation++) {
    const depth = await queueDepth(sqs, queueUrl);
    if (depth.visible + depth.inFlight + depth.delayed === 0) return deliveries;
    const { event } = await invokeLikeLambda(sqs, queueUrl, arn, handler as never, { waitMs: 1_000 });
    deliveries += event.Records.length;
  }
  throw new Error("the message is still on the queue after 15 deliveries");
}

/** A consumer of `big` whose handler always throws, counting its runs and keeping its log lines. */
function alwaysFailing(dlqUrl: string, ledger: SqsHandlerOptions["ledger"]) {
  let runs = 0;
  const { lines, logger } = memoryLogger();
  const handler = createSqsHandler(
    [
      handle(big, () => {
        runs++;
        throw new TypeError("boom");
      }),
    ],
    { sqs, dlqUrl, logger, ledger, metrics: false },
  );
  return { handler, lines, runs: () => runs };
}

const attribute =
  (message: { MessageAttributes?: Record<string, { StringValue?: string }> } | undefined) => (name: string) =>
    message?.MessageAttributes?.[name]?.StringValue;

describe("dead-lettering a job near SQS's size limit", () => {
  it("cuts the reason attributes to fit a job of nearly 1 MiB, counting them as SQS does", async () => {
    // Given a job 400 bytes short of 1 MiB (body + its job-name attribute) that fails for good
    // with a 1,000-character message: the reasons in full would not fit beside it
    const { queueUrl, dlqUrl, arn } = await queues("size-cut");
    const body = bodyOfSize(SQS_MAX_MESSAGE_BYTES - 400);
    await sendRaw(queueUrl, body);
    const handler = createSqsHandler(
      [
        handle(big, () => {
          throw new PermanentError("y".repeat(1_000));
        }),
      ],
      { sqs, dlqUrl, logLevel: "silent", metrics: false },
    );
    // When it is dead-lettered
    const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then the DLQ holds it with its reason and a shortened message, within 1 MiB
    expect(response.batchItemFailures).toEqual([]);
    const [dead] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    const read = attribute(dead);
    expect(dead?.Body).toBe(body);
    expect(read(DLQ_ATTRIBUTES.reason)).toBe("permanent");
    expect(read(DLQ_ATTRIBUTES.errorName)).toBe("PermanentError");
    expect(read(DLQ_ATTRIBUTES.job)).toBe("big");
    const message = read(DLQ_ATTRIBUTES.errorMessage) ?? "";
    expect(message).toMatch(/^y+$/);
    expect(message.length).toBeLessThan(1_000);
    const size = messageBytes(dead?.Body ?? "", dead?.MessageAttributes ?? {});
    expect(size).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
    expect(size).toBeGreaterThan(SQS_MAX_MESSAGE_BYTES - 20);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("sends the bare body when not even the reason fits beside it, keeps the reason in the ledger, and runs the job no more", async () => {
    // Given a job of exactly 1 MiB (no room for any attribute) that always fails, on a queue with
    // a ledger whose redrive policy would move a message only after 10 receives
    const { queueUrl, dlqUrl, arn } = await queues("size-ledger", { maxReceiveCount: 10 });
    const ledger = await newLedger();
    const body = bodyOfSize(SQS_MAX_MESSAGE_BYTES);
    await sendRaw(queueUrl, body);
    const jobId = JSON.parse(body).id as string;
    const { handler, runs, lines } = alwaysFailing(dlqUrl, { tableName: ledger.tableName, dynamodb });
    // When it is delivered until it leaves the queue
    const deliveries = await deliverUntilGone(handler, queueUrl, arn);
    // Then it ran its 2 attempts, and the second sent it to the DLQ bare (no room for a reason):
    // not returned over and over for SQS's redrive policy ...
    expect(runs()).toBe(2);
    expect(deliveries).toBe(2);
    const [moved, ...more] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    expect(more).toEqual([]);
    expect(moved?.Body).toBe(body);
    expect(attribute(moved)(DLQ_ATTRIBUTES.reason)).toBeUndefined();
    // ... and the ledger says why, as getJob shows it
    const state = await new JobClient({
      queueUrl,
      sqs,
      ledger: { tableName: ledger.tableName, dynamodb },
    }).getJob(big, jobId);
    expect(state).toMatchObject({
      status: "dead",
      attempts: 2,
      failure: { reason: "exhausted", name: "TypeError", message: "boom" },
    });
    const why = lines.find((l) => l.level === "error" && l.message.includes("without its reason"));
    expect(why?.message).toContain(`${SQS_MAX_MESSAGE_BYTES}`);
  });

  it("without a ledger, runs a job whose body the DLQ refuses maxAttempts times, not maxReceiveCount times", async () => {
    // Given a DLQ that takes at most 1,024 bytes, a 2,000-byte job that always fails, 2 attempts,
    // and a redrive policy after 6 receives
    const { queueUrl, dlqUrl, arn } = await queues("size-dlq-small", {
      maxReceiveCount: 6,
      dlqMaxBytes: 1_024,
    });
    const { jobId } = await new JobClient({ queueUrl, sqs }).send(big, { blob: "z".repeat(2_000) });
    const { handler, runs, lines } = alwaysFailing(dlqUrl, false);
    // When it is delivered until it leaves the queue
    const deliveries = await deliverUntilGone(handler, queueUrl, arn);
    // Then it ran twice, SQS moved it after its 6 receives, and the log said why each time
    expect(runs()).toBe(2);
    expect(deliveries).toBe(6);
    const [moved] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    expect(moved?.Body).toContain(jobId);
    const why = lines.filter((l) => l.level === "error" && l.message.includes("redrive policy"));
    expect(why.length).toBeGreaterThan(0);
    expect(why[0]?.message).toContain("1024");
  });

  it("the largest job JobClient accepts can always be dead-lettered with its reason", async () => {
    // Given the largest `big` job JobClient sends (it keeps room for the reason)
    const { queueUrl, dlqUrl, arn } = await queues("size-producer-room");
    const client = new JobClient({ queueUrl, sqs });
    let length = SQS_MAX_MESSAGE_BYTES;
    const tooLarge = await client.send(big, { blob: "x".repeat(length) }).catch((e: unknown) => e);
    expect(tooLarge).toBeInstanceOf(PayloadTooLargeError);
    const { sizeBytes, limitBytes } = tooLarge as PayloadTooLargeError;
    length -= sizeBytes - limitBytes;
    await client.send(big, { blob: "x".repeat(length) });
    const handler = createSqsHandler(
      [
        handle(big, () => {
          throw new PermanentError("no");
        }),
      ],
      { sqs, dlqUrl, logLevel: "silent", metrics: false },
    );
    // When it fails for good
    await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then it is in the DLQ with its reason
    const [dead] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    expect(attribute(dead)(DLQ_ATTRIBUTES.reason)).toBe("permanent");
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
