import { setTimeout as sleep } from "node:timers/promises";
import { SQSClient, type SQSClient as SqsClientType } from "@aws-sdk/client-sqs";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { child, defineJob, handle, JobClient, PermanentError } from "../../src/index.ts";
import { flowRig, redrive } from "./rig.ts";

const item = defineJob({
  name: "item",
  schema: z.object({ n: z.number().int() }),
  result: z.object({ n: z.number() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 1 } },
});
const sum = defineJob({ name: "sum", schema: z.object({ expected: z.number() }), retry: { maxAttempts: 2 } });

/** An SQS client whose every SendMessageBatch reaches SQS twice: each child is delivered twice. */
function doublingSqs(endpoint: string): SqsClientType {
  const sqs = new SQSClient({ endpoint, region: process.env.AWS_REGION ?? "us-east-1" });
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (context.commandName === "SendMessageBatchCommand") await next(args);
      return out;
    },
    { step: "initialize", name: "sendTwice" },
  );
  return sqs;
}

describe("a flow of 1,000 children", () => {
  it("runs its continuation exactly once despite children failing then succeeding, every message delivered twice, a worker stopped mid-flight and a dead child redriven", async () => {
    const rig = await flowRig("flow-1000");
    const jobs = new JobClient({
      queueUrl: rig.queueUrl,
      sqs: doublingSqs(rig.endpoint),
      ledger: rig.ledger,
    });
    const succeededRuns = new Map<number, number>();
    let continuations = 0;
    let seen = 0;
    let total = 0;
    // One child dies until it is fixed; the flow ("continue") completes without it.
    const BROKEN = 777;
    let broken = true;
    const handlers = [
      handle(item, async (p, ctx) => {
        if (p.n === BROKEN && broken) throw new PermanentError(`child ${p.n} is broken`);
        // 5% fail their first attempt, then succeed.
        if (p.n % 20 === 0 && ctx.attempt === 1) throw new Error(`child ${p.n} is flaky`);
        await sleep(5);
        succeededRuns.set(p.n, (succeededRuns.get(p.n) ?? 0) + 1);
        return { n: p.n };
      }),
      handle(sum, async (p, ctx) => {
        continuations++;
        for await (const page of ctx.childResults(item, { pageSize: 250 })) {
          for (const c of page) {
            seen++;
            if (c.status === "succeeded") total += c.result.n;
          }
        }
        expect(p.expected).toBe(total);
      }),
    ];
    // Worker A stops mid-flight (its running jobs are given up at once); worker B finishes.
    const a = rig.work(handlers, { concurrency: 20, shutdownTimeoutMs: 0 });
    try {
      const started = await jobs.flow({
        children: Array.from({ length: 1_000 }, (_, n) => child(item, { n })),
        // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
        then: child(sum, { expected: (999 * 1_000) / 2 - BROKEN }),
        onChildFailure: "continue",
      });
      await vi.waitFor(() => expect(succeededRuns.size).toBeGreaterThan(200), {
        timeout: 60_000,
        interval: 100,
      });
      await a.stop();
      rig.work(handlers, { concurrency: 20 });
      await vi.waitFor(
        async () => expect((await jobs.getJob(sum, started.thenJobId))?.status).toBe("succeeded"),
        { timeout: 240_000, interval: 500 },
      );
      // Time for a second continuation to show up, were one sent: two more redelivery rounds.
      await sleep(3_000);
      expect(continuations).toBe(1);
      expect(seen).toBe(1_000);
      expect(succeededRuns.size).toBe(999);
      expect(await jobs.getFlow(started.flowId)).toMatchObject({ total: 1_000, succeeded: 999, dead: 1 });

      // The dead child, fixed and redriven from the DLQ, succeeds: its flow counts it, and no
      // second continuation runs.
      broken = false;
      const brokenId = started.childIds[BROKEN] as string;
      expect(await redrive(rig.sqs, rig.dlqUrl, rig.queueUrl, brokenId)).toBeGreaterThanOrEqual(1);
      await vi.waitFor(async () => expect((await jobs.getJob(item, brokenId))?.status).toBe("succeeded"), {
        timeout: 30_000,
        interval: 250,
      });
      await sleep(3_000);
      expect(continuations).toBe(1);
      expect(succeededRuns.size).toBe(1_000);
      expect(await jobs.getFlow(started.flowId)).toMatchObject({
        total: 1_000,
        succeeded: 1_000,
        dead: 0,
        pending: 0,
      });
    } finally {
      await rig.stop();
    }
  }, 300_000);
});
