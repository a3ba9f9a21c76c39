import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defaultMaxReceiveCount } from "../../src/core/queue-sizing.ts";
import { queueNameOf } from "../../src/core/queue-url.ts";
import { createSqsHandler, DLQ_ATTRIBUTES, defineJob, handle, JobClient } from "../../src/index.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";
import { invokeLikeLambda, sleep } from "./harness.ts";

const sqs = testSqs();
const { client: dynamodb, newLedger } = ledgerFixture();

const sync = defineJob({
  name: "sync",
  schema: z.object({ account: z.string() }),
  retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 0 } },
  concurrency: { key: "one-at-a-time", limit: 1 },
  fifo: { groupId: (p) => p.account },
});

/** A queue whose redrive policy is the one `JobQueue` gives a queue with a ledger, batch size 1. */
async function rig(label: string, fifo: boolean) {
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`, { fifo });
  const maxReceiveCount = defaultMaxReceiveCount({ maxAttempts: 2, fifo, batchSize: 1, ledger: true });
  const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: await queueArn(sqs, dlqUrl), maxReceiveCount });
  const queueUrl = await createTestQueue(sqs, label, { fifo, attributes: { RedrivePolicy } });
  const ledger = await newLedger();
  const options = { tableName: ledger.tableName, dynamodb };
  return { queueUrl, dlqUrl, arn: await queueArn(sqs, queueUrl), ledger, options };
}

describe("a consumer with a job ledger counts runs, not receives", () => {
  it("on FIFO, a job that waits for its slot many more times than maxReceiveCount allowed runs as attempt 1", async () => {
    // Given a FIFO job whose only concurrency slot another run holds
    const { queueUrl, dlqUrl, arn, ledger, options } = await rig("fifo-waits", true);
    const { jobId } = await new JobClient({ queueUrl, sqs, ledger: options }).send(sync, { account: "a" });
    expect(await ledger.takeSlot("sync", "one-at-a-time", 1, "other-run", 60_000)).toBe(0);
    const attempts: number[] = [];
    const handler = createSqsHandler(
      [
        handle(sync, (_, ctx) => {
          attempts.push(ctx.attempt);
        }),
      ],
      { sqs, dlqUrl, ledger: options, logLevel: "silent", metrics: false },
    );
    // When it waits 12 times (each wait a receive: the queue without a ledger allowed 2 + 5)
    for (let wait = 0; wait < 12; wait++) {
      const { event, response } = await invokeLikeLambda(sqs, queueUrl, arn, handler, { max: 1 });
      expect(event.Records).toHaveLength(1);
      expect(response.batchItemFailures).toHaveLength(1);
      // The wait is 2-4 s; the test skips it, as the clock would
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: event.Records[0]?.receiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
    expect(attempts).toEqual([]);
    // And then the slot is freed
    await ledger.releaseSlot("sync", "one-at-a-time", 0, "other-run");
    const last = await invokeLikeLambda(sqs, queueUrl, arn, handler, { max: 1 });
    // Then it ran once, as its first attempt, and nothing reached the DLQ
    expect(Number(last.event.Records[0]?.attributes.ApproximateReceiveCount)).toBe(13);
    expect(last.response.batchItemFailures).toEqual([]);
    expect(attempts).toEqual([1]);
    expect(await ledger.get(jobId)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await drainQueue(sqs, dlqUrl, { quietMs: 300 })).toEqual([]);
  });

  it.each([
    ["a standard", false],
    ["a FIFO", true],
  ])(
    "on %s queue, dead-letters a job whose runs crashed, with a reason, before running it again",
    async (_, fifo) => {
      // Given a job (2 attempts) whose two runs claimed it in the ledger and never finished (crashes)
      const { queueUrl, dlqUrl, arn, ledger, options } = await rig(
        `runs-crashed${fifo ? "-fifo" : ""}`,
        fifo,
      );
      const { jobId } = await new JobClient({ queueUrl, sqs, ledger: options }).send(sync, { account: "b" });
      const queue = queueNameOf(queueUrl);
      for (const runToken of ["crashed-1", "crashed-2"]) {
        const claim = {
          jobId,
          job: "sync",
          queue,
          runToken,
          leaseMs: 1,
          payloadHash: undefined,
          redriven: false,
        };
        expect(await ledger.claim(claim)).toMatchObject({ kind: "claimed" });
        await sleep(5);
      }
      let ran = 0;
      const handler = createSqsHandler(
        [
          handle(sync, () => {
            ran++;
          }),
        ],
        { sqs, dlqUrl, ledger: options, logLevel: "silent", metrics: false },
      );
      // When its message is delivered again
      const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler, { max: 1 });
      // Then it does not run a third time: it is in the DLQ with reason exhausted after its 2 runs
      expect(ran).toBe(0);
      expect(response.batchItemFailures).toEqual([]);
      const [dead, ...more] = await drainQueue(sqs, dlqUrl, { expect: 1 });
      expect(more).toEqual([]);
      const attribute = (name: string) => dead?.MessageAttributes?.[name]?.StringValue;
      expect(attribute(DLQ_ATTRIBUTES.reason)).toBe("exhausted");
      expect(attribute(DLQ_ATTRIBUTES.errorName)).toBe("SqsJobsError");
      expect(attribute(DLQ_ATTRIBUTES.attempts)).toBe("2");
      expect(await ledger.get(jobId)).toMatchObject({ status: "dead", failure: { reason: "exhausted" } });
      expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    },
  );
});
