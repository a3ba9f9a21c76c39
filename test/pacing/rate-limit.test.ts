import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, handle } from "../../src/index.ts";
import { sleep } from "../consumer/harness.ts";
import { queueDepth } from "../helpers/sqs.ts";
import { allDone, mostInAnyWindow, pacingRig, sqs } from "./rig.ts";

const callPartner = defineJob({
  name: "call-partner",
  schema: z.object({ n: z.number().int() }),
  rateLimit: { limit: 10, perSeconds: 1 },
  timeoutSeconds: 5,
});

describe("rate limits", () => {
  it("100 jobs at 10 a second over 4 consumers take about 10 s and never start 11 in any second", async () => {
    // Given four workers of one queue (as four Lambda instances or containers), 10 records each
    const { jobs, work, stop } = await pacingRig("rate-100");
    const ran: number[] = [];
    let allRan: () => void = () => undefined;
    const ranAll = new Promise<void>((resolve) => {
      allRan = resolve;
    });
    const runs = handle(callPartner, (p) => {
      ran.push(p.n);
      if (ran.length === 100) allRan();
    });
    for (let i = 0; i < 4; i++) work([runs], 10);
    try {
      // When 100 jobs are sent at once
      const sending = Date.now();
      const sent = await jobs.sendBatch(
        callPartner,
        Array.from({ length: 100 }, (_, n) => ({ n })),
      );
      await ranAll;
      const tookMs = Date.now() - sending;
      await allDone(jobs, callPartner, sent.items);

      // Then each ran once, on its first attempt, and the ledger's start times never hold more
      // than 10 in a second
      expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, n) => n));
      const starts: number[] = [];
      for (const item of sent.items) {
        if (!item.ok) throw new Error("a send failed");
        const state = await jobs.getJob(callPartner, item.jobId);
        expect(state?.attempts).toBe(1);
        starts.push(state?.startedAt?.getTime() ?? Number.NaN);
      }
      expect(mostInAnyWindow(starts, 1000)).toBeLessThanOrEqual(10);
      // And they took about 10 s: 99 spacings of 100 ms (9.9 s, which the limit forbids to
      // shorten), plus the first start after the first send and the last run's own time (well under
      // 1 s together on an idle machine), plus starts lost while no run waited: while the consumers
      // hold fewer waiting runs than the ledger's round trip takes spacings (docs/pacing.md, "What
      // wall time to expect"), a second or so at the start on a loaded machine. 12.5 s is 10 s and
      // a quarter. Measured at load 8-13 (a shared machine): 12.0-12.8 s in 3 runs, under 12 s in
      // 3 others; main's random retries took 16.0-20.5 s there (14.3-15.4 s at load 1-3).
      const spanMs = Math.max(...starts) - Math.min(...starts);
      expect(spanMs).toBeGreaterThanOrEqual(9_900);
      expect(tookMs).toBeLessThanOrEqual(12_500);
    } finally {
      await stop();
    }
  }, 60_000);

  it("a job that waits many times for its turn is never dead-lettered and spends no attempt", async () => {
    // Given a queue that dead-letters on the 2nd receive, and a job of 1 start every 3 s
    const slow = defineJob({
      name: "slow-partner",
      schema: z.object({ n: z.number().int() }),
      rateLimit: { key: () => "acme", limit: 1, perSeconds: 3 },
      retry: { maxAttempts: 1 },
    });
    const { jobs, dlqUrl, work, stop } = await pacingRig("rate-no-dlq", { maxReceiveCount: 2 });
    work([handle(slow, () => undefined)], 6);
    try {
      // When 6 jobs are sent at once: the last waits 15 s, past the 5 s a consumer waits in place
      const sent = await jobs.sendBatch(
        slow,
        Array.from({ length: 6 }, (_, n) => ({ n })),
      );
      const ids = sent.items.map((item) => (item.ok ? item.jobId : ""));
      // Then while they wait, the ledger says when they are due again
      let throttledSeen = false;
      for (let i = 0; i < 40 && !throttledSeen; i++) {
        await sleep(250);
        for (const id of ids) {
          if ((await jobs.getJob(slow, id))?.throttledUntil !== undefined) throttledSeen = true;
        }
      }
      expect(throttledSeen).toBe(true);
      await allDone(jobs, slow, sent.items);
      // And every one ran once, on its first attempt, and nothing reached the DLQ
      for (const id of ids) {
        expect(await jobs.getJob(slow, id)).toMatchObject({ status: "succeeded", attempts: 1 });
      }
      const dlq = await queueDepth(sqs, dlqUrl);
      expect(dlq.visible + dlq.inFlight + dlq.delayed).toBe(0);
    } finally {
      await stop();
    }
  }, 90_000);

  it("with a concurrency key on the same job: runs never overlap and starts keep the rate", async () => {
    const both = defineJob({
      name: "sync-and-pace",
      schema: z.object({ n: z.number().int() }),
      concurrency: { key: "all", limit: 1 },
      rateLimit: { limit: 2, perSeconds: 1 },
    });
    const { jobs, work, stop } = await pacingRig("rate-concurrency");
    let running = 0;
    let most = 0;
    const runsOf = handle(both, async () => {
      running++;
      most = Math.max(most, running);
      await sleep(200);
      running--;
    });
    work([runsOf], 3);
    work([runsOf], 3);
    try {
      const sent = await jobs.sendBatch(
        both,
        Array.from({ length: 6 }, (_, n) => ({ n })),
      );
      await allDone(jobs, both, sent.items);
      const starts: number[] = [];
      for (const item of sent.items) {
        const state = item.ok ? await jobs.getJob(both, item.jobId) : undefined;
        expect(state?.attempts).toBe(1);
        starts.push(state?.startedAt?.getTime() ?? Number.NaN);
      }
      expect(most).toBe(1);
      expect(mostInAnyWindow(starts, 1000)).toBeLessThanOrEqual(2);
    } finally {
      await stop();
    }
  }, 90_000);

  it("a FIFO group keeps its order while its jobs are throttled", async () => {
    const ordered = defineJob({
      name: "ordered-partner",
      schema: z.object({ n: z.number().int() }),
      rateLimit: { limit: 2, perSeconds: 1 },
      fifo: { groupId: () => "account-1" },
    });
    const { jobs, work, stop } = await pacingRig("rate-fifo", { fifo: true });
    const ran: number[] = [];
    work([handle(ordered, (p) => void ran.push(p.n))], 4);
    work([handle(ordered, (p) => void ran.push(p.n))], 4);
    try {
      const sent = await jobs.sendBatch(
        ordered,
        Array.from({ length: 8 }, (_, n) => ({ n })),
      );
      await allDone(jobs, ordered, sent.items);
      expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await stop();
    }
  }, 90_000);
});
