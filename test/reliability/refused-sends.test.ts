import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { mapLimit } from "../../src/core/map-limit.ts";
import { defineJob, handle, JobClient, QueueNotFoundError, SendError, startWorker } from "../../src/index.ts";
import { eventually } from "../helpers/eventually.ts";
import { createTestQueue, queueDepth, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";
import { startFaultProxy } from "./fault-proxy.ts";

// The whole app, issue #22 finding 1: a producer whose send is refused for certain (a permission,
// throttling past its retries, a queue URL with a typo, a Scheduler that says no) fixes its setup
// and sends the same unique job again. The job must run exactly once, not be answered
// `deduplicated` onto the job that never reached the queue.

const ROUNDS = 150;
const sqs = testSqs();
const endpoint = inject("sqsEndpoint");
const { client: dynamodb, newLedger } = ledgerFixture();
const region = process.env.AWS_REGION ?? "us-east-1";
const roleArn = "arn:aws:iam::000000000000:role/scheduler";

const welcome = defineJob({
  name: "welcome",
  schema: z.object({ to: z.string() }),
  unique: { key: (p) => p.to, windowSeconds: 3600 },
  retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 1 } },
});

type Refusal = "denied" | "throttled" | "wrong-queue" | "batch-wrong-queue" | "batch-denied" | "at-denied";
const REFUSALS: readonly Refusal[] = [
  "denied",
  "throttled",
  "wrong-queue",
  "batch-wrong-queue",
  "batch-denied",
  "at-denied",
];

describe("refused, then fixed: every job runs exactly once", () => {
  it(`${ROUNDS} rounds of a refused send of a unique job, then the fixed send: all delivered, each once`, async () => {
    // Given a queue with a worker, a ledger, and producers whose sends are refused for certain
    const queueUrl = await createTestQueue(sqs, "refused-then-fixed", {
      attributes: { VisibilityTimeout: "30" },
    });
    const dlqUrl = await createTestQueue(sqs, "refused-then-fixed-dlq");
    const { tableName } = await newLedger();
    const ledger = { tableName, dynamodb };
    const deny = await startFaultProxy({ target: endpoint, rates: { "*": { deny: 1 } } });
    const throttle = await startFaultProxy({ target: endpoint, rates: { "*": { throttle: 1 } } });
    const via = (proxyEndpoint: string, maxAttempts: number) =>
      new SQSClient({ endpoint: proxyEndpoint, region, useQueueUrlAsEndpoint: false, maxAttempts });
    const healthy = new JobClient({ queueUrl, sqs, ledger });
    const refusing: Record<Refusal, JobClient> = {
      denied: new JobClient({ queueUrl, sqs: via(deny.endpoint, 1), ledger }),
      throttled: new JobClient({ queueUrl, sqs: via(throttle.endpoint, 2), ledger }),
      "wrong-queue": new JobClient({ queueUrl: `${queueUrl}-typo`, sqs, ledger }),
      "batch-wrong-queue": new JobClient({ queueUrl: `${queueUrl}-typo`, sqs, ledger }),
      "batch-denied": new JobClient({ queueUrl, sqs: via(deny.endpoint, 1), ledger }),
      "at-denied": new JobClient({
        queueUrl,
        sqs,
        ledger,
        scheduler: {
          roleArn,
          client: new SchedulerClient({ endpoint: deny.endpoint, region, maxAttempts: 1 }),
        },
      }),
    };
    const runs = new Map<string, string[]>();
    const worker = startWorker({
      queueUrl,
      dlqUrl,
      sqs,
      ledger,
      concurrency: 10,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: "silent",
      handlers: [
        handle(welcome, async (p, ctx) => {
          runs.set(p.to, [...(runs.get(p.to) ?? []), ctx.jobId]);
        }),
      ],
    });
    const fixed = new Map<string, string>();
    const refusedWith: Record<string, number> = {};
    const started = Date.now();
    let sentAt = started;
    try {
      // When each round's first send is refused, and the same job is then sent by a working producer
      await mapLimit(
        Array.from({ length: ROUNDS }, (_, i) => i),
        10,
        async (round) => {
          const to = `user-${round}`;
          const refusal = REFUSALS[round % REFUSALS.length] as Refusal;
          const client = refusing[refusal];
          if (refusal === "batch-denied") {
            const out = await client.sendBatch(welcome, [{ to }], { maxRetries: 0 });
            expect(out.items[0]).toMatchObject({ ok: false, possibleDuplicate: false });
          } else {
            const sending = refusal.startsWith("batch")
              ? client.sendBatch(welcome, [{ to }])
              : client.send(
                  welcome,
                  { to },
                  refusal === "at-denied" ? { at: new Date(Date.now() + 86_400_000) } : {},
                );
            const error = await sending.then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(
              refusal.endsWith("wrong-queue")
                ? error instanceof QueueNotFoundError
                : error instanceof SendError,
            ).toBe(true);
            expect(error).not.toMatchObject({ maybeSent: true });
          }
          refusedWith[refusal] = (refusedWith[refusal] ?? 0) + 1;
          const again = await healthy.send(welcome, { to });
          expect(again.deduplicated, `round ${round} (${refusal}): the fixed send was deduplicated`).toBe(
            false,
          );
          fixed.set(to, again.jobId);
        },
      );
      sentAt = Date.now();
      // Then every job runs, each exactly once, as the job the fixed send made
      await eventually(
        async () => ({ ran: runs.size, depth: await queueDepth(sqs, queueUrl) }),
        ({ ran, depth }) => ran === ROUNDS && depth.visible + depth.inFlight + depth.delayed === 0,
        40_000,
      );
      const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
      console.log(
        `[refused-then-fixed] ${ROUNDS} rounds (${Object.entries(refusedWith)
          .map(([k, n]) => `${k}=${n}`)
          .join(
            " ",
          )}): fixed sends deduplicated=0, ran=${runs.size}, ran twice=${[...runs.values()].filter((r) => r.length > 1).length}; proxy refusals: denied=${deny.total("deny")} throttled=${throttle.total("throttle")}; sending ${seconds(started, sentAt)} s, running ${seconds(sentAt, Date.now())} s`,
      );
      expect(fixed.size).toBe(ROUNDS);
      expect([...runs.entries()].filter(([, ids]) => ids.length !== 1)).toEqual([]);
      for (const [to, ids] of runs) expect(ids).toEqual([fixed.get(to)]);
      expect(await queueDepth(sqs, dlqUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      // And the refusals really happened on every path
      expect(Object.keys(refusedWith).sort()).toEqual([...REFUSALS].sort());
      expect(deny.total("deny")).toBeGreaterThanOrEqual(ROUNDS / 2);
      expect(throttle.total("throttle")).toBeGreaterThanOrEqual((2 * ROUNDS) / REFUSALS.length);
    } finally {
      await worker.stop();
      await deny.close();
      await throttle.close();
    }
  }, 90_000);
});
