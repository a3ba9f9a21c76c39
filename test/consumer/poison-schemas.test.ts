import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createSqsHandler,
  DLQ_ATTRIBUTES,
  defineJob,
  handle,
  JobClient,
  type JobHandler,
  startWorker,
} from "../../src/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { invokeLikeLambda, memoryLogger } from "./harness.ts";

/**
 * A schema that throws (a `transform` that calls JSON.parse) or rejects (an async schema) is a
 * fault of that one payload: it is poison, dead-lettered at once, and its neighbours run once.
 */
const sqs = testSqs();

const parsed = defineJob({
  name: "parsed",
  schema: z.object({ n: z.number(), data: z.string().transform((s) => JSON.parse(s) as unknown) }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 0 } },
});

/** An async Standard Schema that rejects for n === 5, as a schema calling a remote check might. */
const rejecting: StandardSchemaV1<{ n: number; data: string }> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: async (value) => {
      const v = value as { n: number; data: string };
      if (v.n === 5) throw new Error("lookup failed");
      return { value: v };
    },
  },
};
const remote = defineJob({
  name: "remote",
  schema: rejecting,
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 0 } },
});

async function tenWithOneBad(job: "parsed" | "remote") {
  const dlqUrl = await createTestQueue(sqs, `poison-schema-${job}-dlq`);
  const queueUrl = await createTestQueue(sqs, `poison-schema-${job}`, {
    attributes: { VisibilityTimeout: "30" },
  });
  const good = Array.from({ length: 10 }, (_, n) => ({ n, data: "{}" })).filter((p) => p.n !== 5);
  if (job === "parsed") await new JobClient({ queueUrl, sqs }).sendBatch(parsed, good);
  else await new JobClient({ queueUrl, sqs }).sendBatch(remote, good);
  // The bad one bypasses the producer's own validation, as a message from another sender would.
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify({ sqsJobs: 1, job, id: "bad-5", payload: { n: 5, data: "password=x" } }),
    }),
  );
  return { queueUrl, dlqUrl, arn: await queueArn(sqs, queueUrl) };
}

function counting(job: "parsed" | "remote", runs: Map<number, number>): JobHandler {
  const run = ({ n }: { n: number }) => {
    runs.set(n, (runs.get(n) ?? 0) + 1);
  };
  return job === "parsed" ? handle(parsed, run) : handle(remote, run);
}

async function expectPoisonOnly(dlqUrl: string, runs: Map<number, number>) {
  const dead = await drainQueue(sqs, dlqUrl, { expect: 1 });
  expect(dead).toHaveLength(1);
  expect(dead[0]?.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("poison");
  // The schema's own message may quote the payload: it is never copied.
  expect(JSON.stringify(dead[0]?.MessageAttributes)).not.toContain("password");
  expect([...runs.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
  expect([...runs.values()].every((count) => count === 1)).toBe(true);
}

describe.each(["parsed", "remote"] as const)("a schema that %s throws", (job) => {
  it("Lambda: dead-letters that record at once as poison; its 9 neighbours run once", async () => {
    // Given ten records, one of which makes the schema throw (or reject)
    const { queueUrl, dlqUrl, arn } = await tenWithOneBad(job);
    const runs = new Map<number, number>();
    const { lines, logger } = memoryLogger();
    const handler = createSqsHandler([counting(job, runs)], { sqs, dlqUrl, logger, metrics: false });
    // When Lambda invokes the handler with the batch
    const { event, response } = await invokeLikeLambda(sqs, queueUrl, arn, handler, { expect: 10 });
    // Then nothing is returned for retry, and only the bad record is in the DLQ
    expect(event.Records).toHaveLength(10);
    expect(response.batchItemFailures).toEqual([]);
    await expectPoisonOnly(dlqUrl, runs);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(lines.some((l) => l.message.includes("batch core failed"))).toBe(false);
  });

  it("worker: dead-letters that record at once as poison; its 9 neighbours run once", async () => {
    // Given the same ten records
    const { queueUrl, dlqUrl } = await tenWithOneBad(job);
    const runs = new Map<number, number>();
    const { lines, logger } = memoryLogger();
    // When a worker runs them
    const worker = startWorker({
      queueUrl,
      sqs,
      dlqUrl,
      logger,
      waitTimeSeconds: 1,
      handleSignals: false,
      handlers: [counting(job, runs)],
    });
    await eventually(
      async () => runs.size,
      (size) => size >= 9,
      15_000,
    );
    await eventually(
      () => queueDepth(sqs, queueUrl),
      (d) => d.visible + d.inFlight === 0,
      10_000,
    );
    await worker.stop();
    // Then the bad record is dead-lettered as poison and each neighbour ran once
    await expectPoisonOnly(dlqUrl, runs);
    expect(lines.some((l) => l.message.includes("batch core failed"))).toBe(false);
  });
});
