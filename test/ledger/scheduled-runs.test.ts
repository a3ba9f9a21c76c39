import { randomUUID } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { OverlapPolicy } from "../../src/core/envelope.ts";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { queueNameOf } from "../../src/core/queue-url.ts";
import { defineJob, handle, JobClient, startWorker } from "../../src/index.ts";
import { scheduledRunId } from "../../src/schedule/run-id.ts";
import { sleep } from "../consumer/harness.ts";
import { eventually } from "../helpers/eventually.ts";
import { createTestQueue, queueDepth, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "./fixture.ts";

const sqs = testSqs();
const { client: dynamodb, newLedger } = ledgerFixture();

const sync = defineJob({ name: "nightly-sync", schema: z.object({}), timeoutSeconds: 5 });

/**
 * What EventBridge Scheduler delivers for a run of `JobQueue.schedule`: the envelope with the
 * schedule's name and policy, a fresh execution id and the scheduled time.
 */
function scheduledRun(scheduledAt: string, overlap: OverlapPolicy): string {
  return encodeEnvelopeJson("nightly-sync", randomUUID(), scheduledAt, "{}", {
    schedule: { name: "nightly", overlap },
  });
}

async function runSchedule(label: string, overlap: OverlapPolicy, deliveries: readonly string[]) {
  const queueUrl = await createTestQueue(sqs, label, { attributes: { VisibilityTimeout: "30" } });
  const { tableName } = await newLedger();
  const ledger = { tableName, dynamodb };
  const runId = (at: string) => scheduledRunId(queueNameOf(queueUrl), "nightly", at);
  let running = 0;
  let most = 0;
  const ran: string[] = [];
  const worker = startWorker({
    queueUrl,
    handlers: [
      handle(sync, async (_payload, ctx) => {
        running++;
        most = Math.max(most, running);
        ran.push(ctx.jobId);
        await sleep(1_500);
        running--;
      }),
    ],
    sqs,
    ledger,
    concurrency: 5,
    waitTimeSeconds: 1,
    handleSignals: false,
    logLevel: "silent",
  });
  try {
    // The schedule fires every 400 ms while a run takes 1.5 s.
    for (const scheduledAt of deliveries) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: scheduledRun(scheduledAt, overlap) }),
      );
      await sleep(400);
    }
    await eventually(
      () => queueDepth(sqs, queueUrl),
      (d) => d.visible + d.inFlight + d.delayed === 0 && running === 0,
    );
    await sleep(200);
  } finally {
    await worker.stop();
  }
  const jobs = new JobClient({ queueUrl, sqs, ledger });
  const states = await Promise.all(
    [...new Set(deliveries)].map((at) => jobs.getJob(sync, runId(at)).then((s) => s?.status)),
  );
  return { most, ran, states, runId };
}

describe("runs of a periodic schedule", () => {
  it('overlap "skip": a run that finds the previous one still working is recorded as skipped', async () => {
    const times = ["2026-12-01T03:00:00Z", "2026-12-01T03:01:00Z", "2026-12-01T03:02:00Z"];
    const { most, ran, states, runId } = await runSchedule("sched-skip", "skip", times);
    expect(most).toBe(1);
    expect(ran).toEqual([runId("2026-12-01T03:00:00Z")]);
    expect(states).toEqual(["succeeded", "skipped", "skipped"]);
  }, 30_000);

  it('overlap "allow": runs of one schedule overlap', async () => {
    const times = ["2026-12-01T03:00:00Z", "2026-12-01T03:01:00Z", "2026-12-01T03:02:00Z"];
    const { most, ran, states } = await runSchedule("sched-allow", "allow", times);
    expect(most).toBeGreaterThan(1);
    expect(ran).toHaveLength(3);
    expect(states).toEqual(["succeeded", "succeeded", "succeeded"]);
  }, 30_000);

  it("a run Scheduler delivers twice (two execution ids, one scheduled time) runs once", async () => {
    const time = "2026-12-01T03:00:00Z";
    const { ran, states, runId } = await runSchedule("sched-twice", "allow", [time, time]);
    expect(ran).toEqual([runId(time)]);
    expect(states).toEqual(["succeeded"]);
  }, 30_000);

  it.each(["skip", "allow"] as const)(
    'two queues sharing a ledger, each with a schedule "nightly" of the same job and payload: both run at the same scheduled time (overlap "%s")',
    async (overlap) => {
      // Given two queues, each with its worker, recording in one ledger
      const { tableName } = await newLedger();
      const ledger = { tableName, dynamodb };
      const queues = await Promise.all(
        ["sched-east", "sched-west"].map((label) =>
          createTestQueue(sqs, label, { attributes: { VisibilityTimeout: "30" } }),
        ),
      );
      const ran: string[] = [];
      const workers = queues.map((queueUrl) =>
        startWorker({
          queueUrl,
          // Long enough for the two runs to overlap, where a shared overlap slot would skip one.
          handlers: [
            handle(sync, async (_payload, ctx) => {
              ran.push(ctx.queueUrl);
              await sleep(1_000);
            }),
          ],
          sqs,
          ledger,
          waitTimeSeconds: 1,
          handleSignals: false,
          logLevel: "silent",
        }),
      );
      const time = "2026-12-01T03:00:00Z";
      try {
        // When Scheduler delivers each queue's run of 03:00, the second while the first runs or after
        for (const QueueUrl of queues) {
          await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: scheduledRun(time, overlap) }));
        }
        await eventually(
          () => Promise.all(queues.map((q) => queueDepth(sqs, q))),
          (depths) => depths.every((d) => d.visible + d.inFlight + d.delayed === 0),
        );
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      // Then each queue ran its own run, once, under its own job id
      expect(ran.sort()).toEqual([...queues].sort());
      for (const queueUrl of queues) {
        const jobs = new JobClient({ queueUrl, sqs, ledger });
        const id = scheduledRunId(queueNameOf(queueUrl), "nightly", time);
        expect(await jobs.getJob(sync, id)).toMatchObject({ status: "succeeded", attempts: 1 });
      }
    },
    30_000,
  );
});
