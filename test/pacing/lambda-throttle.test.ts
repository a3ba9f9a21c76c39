import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createSqsHandler, defineJob, handle } from "../../src/index.ts";
import { invokeLikeLambda, memoryLogger } from "../consumer/harness.ts";
import { queueArn, queueDepth } from "../helpers/sqs.ts";
import { pacingRig, sqs } from "./rig.ts";

/** One start every 20 s: of two jobs in one batch, the second is past the 5 s a consumer waits in place. */
const oncePer20s = defineJob({
  name: "once-per-20s",
  schema: z.object({ n: z.number().int() }),
  rateLimit: { limit: 1, perSeconds: 20 },
});

afterEach(() => vi.restoreAllMocks());

describe("a throttled job in the Lambda driver", () => {
  it("goes back on the queue at no attempt, with a throttled log line, EMF count and throttledUntil", async () => {
    // Given two jobs of one key that may start once every 20 s
    const { queueUrl, dlqUrl, ledger, jobs } = await pacingRig("rate-lambda");
    const sent = [await jobs.send(oncePer20s, { n: 1 }), await jobs.send(oncePer20s, { n: 2 })];
    const ran: number[] = [];
    const { lines, logger } = memoryLogger();
    const writes: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const handler = createSqsHandler([handle(oncePer20s, (p) => void ran.push(p.n))], {
      sqs,
      logger,
      queueUrl,
      dlqUrl,
      ledger,
    });

    // When one invocation gets both
    const started = Date.now();
    const { response } = await invokeLikeLambda(sqs, queueUrl, await queueArn(sqs, queueUrl), handler, {
      expect: 2,
    });
    vi.restoreAllMocks();

    // Then one ran, and the other went back on the queue at once (no 20 s wait in the invocation),
    // as a fresh copy: nothing for Lambda to retry
    expect(ran).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(response.batchItemFailures).toEqual([]);
    expect(await queueDepth(sqs, queueUrl)).toMatchObject({ visible: 0, inFlight: 0, delayed: 1 });
    const waiting = sent.find((_, i) => i + 1 !== ran[0]);
    const state = await jobs.getJob(oncePer20s, waiting?.jobId ?? "");
    expect(state).toMatchObject({ status: "queued", attempts: 0 });
    expect(state?.throttledUntil?.getTime()).toBeGreaterThan(Date.now() + 10_000);
    // And it says so: an info line with outcome "throttled", and the batch's EMF count
    const throttled = lines.filter((l) => l.fields?.outcome === "throttled");
    expect(throttled).toHaveLength(1);
    expect(throttled[0]).toMatchObject({
      level: "info",
      fields: { jobName: "once-per-20s", jobId: waiting?.jobId },
    });
    const emf = writes.map((w) => JSON.parse(w) as Record<string, unknown>).filter((d) => "_aws" in d);
    expect(emf).toEqual([expect.objectContaining({ jobName: "once-per-20s", processed: 1, throttled: 1 })]);
  });
});
