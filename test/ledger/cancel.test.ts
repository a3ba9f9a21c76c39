import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { JobTracking } from "../../src/consumer/job-tracking.ts";
import { resolveLogger } from "../../src/consumer/logger.ts";
import {
  defineJob,
  handle,
  JobCancelledError,
  JobClient,
  type JobHandler,
  ProgressError,
  startWorker,
} from "../../src/index.ts";
import { CANCEL_CHECK_MS, cancelJob } from "../../src/ledger/run-flags.ts";
import { sleep } from "../consumer/harness.ts";
import { eventually } from "../helpers/eventually.ts";
import { createTestQueue, queueDepth, testSqs } from "../helpers/sqs.ts";
import { claimOf, ledgerFixture } from "./fixture.ts";

const sqs = testSqs();
const { client: dynamodb, newLedger } = ledgerFixture();

async function rig(label: string) {
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`);
  const queueUrl = await createTestQueue(sqs, label, { attributes: { VisibilityTimeout: "30" } });
  const { tableName } = await newLedger();
  const ledger = { tableName, dynamodb };
  const jobs = new JobClient({ queueUrl, sqs, ledger });
  const workers: { stop(): Promise<void> }[] = [];
  const work = (handlers: JobHandler[]) => {
    workers.push(
      startWorker({
        queueUrl,
        handlers,
        sqs,
        ledger,
        dlqUrl,
        concurrency: 5,
        waitTimeSeconds: 1,
        handleSignals: false,
        logLevel: "silent",
      }),
    );
  };
  const stop = () => Promise.all(workers.map((w) => w.stop()));
  const empty = async () => {
    const [queue, dlq] = await Promise.all([queueDepth(sqs, queueUrl), queueDepth(sqs, dlqUrl)]);
    // Delayed counts too: a job the ledger makes wait goes back as a delayed copy.
    return queue.visible + queue.inFlight + queue.delayed + dlq.visible + dlq.inFlight + dlq.delayed;
  };
  return { jobs, work, stop, empty, dlqUrl };
}

const longJob = defineJob({
  name: "long-job",
  schema: z.object({ n: z.number() }),
  timeoutSeconds: 60,
  retry: { maxAttempts: 1 },
});

/** Resolves with the abort reason when `signal` aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => signal.addEventListener("abort", () => resolve(signal.reason)));

describe("cancel", () => {
  it("a queued job is dropped when it arrives: cancelled, its handler never runs, nothing dead-lettered", async () => {
    const { jobs, work, stop, empty } = await rig("cancel-queued");
    const ran: number[] = [];
    // Given two jobs on the queue, delayed so that no consumer takes them first
    const cancelled = await jobs.send(longJob, { n: 1 }, { delaySeconds: 2 });
    const kept = await jobs.send(longJob, { n: 2 }, { delaySeconds: 2 });
    // When one is cancelled
    expect(await jobs.cancel(cancelled.jobId)).toEqual({ outcome: "cancelled" });
    expect(await jobs.getJob(longJob, cancelled.jobId)).toMatchObject({ status: "cancelled", attempts: 0 });
    work([handle(longJob, (p) => void ran.push(p.n))]);
    try {
      // Then the other one runs (so the cancelled one could have), the cancelled one never does
      await kept.waitFor({ timeoutMs: 20_000 });
      expect(await eventually(empty, (n) => n === 0, 10_000)).toBe(0);
      expect(ran).toEqual([2]);
      expect(await jobs.getJob(longJob, cancelled.jobId)).toMatchObject({ status: "cancelled", attempts: 0 });
      await expect(cancelled.waitFor({ timeoutMs: 1_000 })).rejects.toBeInstanceOf(JobCancelledError);
    } finally {
      await stop();
    }
  });

  it("a running job's signal aborts within 3 s; it ends cancelled, not retried nor dead-lettered", async () => {
    const { jobs, work, stop, empty } = await rig("cancel-running");
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    let reason: Promise<unknown> = Promise.resolve();
    work([
      handle(longJob, async (_p, ctx) => {
        reason = aborted(ctx.signal);
        started();
        await reason;
        throw ctx.signal.reason;
      }),
    ]);
    try {
      const sent = await jobs.send(longJob, { n: 1 });
      await running;
      const asked = performance.now();
      expect(await jobs.cancel(sent.jobId)).toEqual({ outcome: "cancelling" });
      expect(await reason).toBeInstanceOf(JobCancelledError);
      // Within 3 s of cancel's answer: 1.25 × the 2 s interval at most, and one read (the 500 ms
      // more is cancel's own read and write, measured here too)
      expect(performance.now() - asked).toBeLessThan(CANCEL_CHECK_MS * 1.25 + 1_000);
      await expect(sent.waitFor({ timeoutMs: 10_000 })).rejects.toMatchObject({ code: "ERR_JOB_CANCELLED" });
      expect(await jobs.getJob(longJob, sent.jobId)).toMatchObject({ status: "cancelled", attempts: 1 });
      expect(await eventually(empty, (n) => n === 0, 10_000)).toBe(0);
      // A second cancel is told the job already ended
      expect(await jobs.cancel(sent.jobId)).toEqual({ outcome: "finished", status: "cancelled" });
    } finally {
      await stop();
    }
  });

  it("an attempt that fails after the cancel request, before its heartbeat read it, ends cancelled, not dead", async () => {
    const { jobs, work, stop, empty } = await rig("cancel-then-throw");
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    // Given a handler that ignores its signal and fails on its last attempt
    work([
      handle(longJob, async () => {
        started();
        await released;
        throw new TypeError("broke while stopping");
      }),
    ]);
    try {
      const sent = await jobs.send(longJob, { n: 1 });
      await running;
      // When it is cancelled and throws at once
      expect(await jobs.cancel(sent.jobId)).toEqual({ outcome: "cancelling" });
      release();
      // Then it is cancelled: no DLQ although maxAttempts is 1
      await expect(sent.waitFor({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(JobCancelledError);
      expect(await eventually(empty, (n) => n === 0, 10_000)).toBe(0);
    } finally {
      await stop();
    }
  });

  it("progress is stored coalesced, the last value lands, waitFor's onProgress sees it", async () => {
    const { jobs, work, stop } = await rig("progress");
    const seen: unknown[] = [];
    let errorOfBig: unknown;
    work([
      handle(longJob, async (_p, ctx) => {
        for (let done = 1; done <= 30; done++) {
          ctx.progress({ done, total: 30 });
          await sleep(100);
        }
        try {
          ctx.progress({ blob: "x".repeat(2_000) });
        } catch (error) {
          errorOfBig = error;
        }
        return undefined;
      }),
    ]);
    try {
      const sent = await jobs.send(longJob, { n: 1 });
      await sent.waitFor({ timeoutMs: 20_000, onProgress: (progress) => seen.push(progress) });
      expect(errorOfBig).toBeInstanceOf(ProgressError);
      expect((await jobs.getJob(longJob, sent.jobId))?.progress).toEqual({ done: 30, total: 30 });
      // Read while it ran (3 s at one write a second): several values, never all 30
      expect(seen.length).toBeGreaterThan(1);
      expect(seen.length).toBeLessThan(10);
      expect(seen.at(-1)).toEqual({ done: 30, total: 30 });
    } finally {
      await stop();
    }
  });
});

describe("cancel races, on the ledger", () => {
  it("a job that succeeds after a cancel request stays succeeded", async () => {
    const ledger = await newLedger();
    const run = claimOf(randomUUID());
    await ledger.claim(run);
    expect(await cancelJob(ledger, run.jobId)).toEqual({ outcome: "cancelling" });
    expect(
      await ledger.finish(run.jobId, run.queue, run.runToken, { status: "succeeded", resultJson: "1" }),
    ).toBe(true);
    expect(await ledger.get(run.jobId)).toMatchObject({ status: "succeeded" });
    expect(await cancelJob(ledger, run.jobId)).toEqual({ outcome: "finished", status: "succeeded" });
  });

  it("unknown jobs are not-found; a retrying job is cancelled at once; a crashed run's next claim sees the request", async () => {
    const ledger = await newLedger();
    expect(await cancelJob(ledger, randomUUID())).toEqual({ outcome: "not-found" });

    const retrying = claimOf(randomUUID());
    await ledger.claim(retrying);
    const failure = { reason: undefined, name: "TypeError", message: "x", code: undefined };
    await ledger.finish(retrying.jobId, retrying.queue, retrying.runToken, { status: "retrying", failure });
    expect(await cancelJob(ledger, retrying.jobId)).toEqual({ outcome: "cancelled" });
    expect(await ledger.claim(claimOf(retrying.jobId))).toEqual({ kind: "finished", status: "cancelled" });

    const crashed = claimOf(randomUUID(), { leaseMs: 100 });
    await ledger.claim(crashed);
    expect(await cancelJob(ledger, crashed.jobId)).toEqual({ outcome: "cancelling" });
    await sleep(200);
    expect(await ledger.claim(claimOf(crashed.jobId))).toEqual({
      kind: "claimed",
      attempts: 2,
      cancelRequested: true,
    });
  });

  it("a delivery of a job whose run crashed after a cancel request ends it cancelled without running it", async () => {
    // Given a run that took the job with a short lease, then a cancel request, then the run's crash
    const ledger = await newLedger();
    const tracking = new JobTracking(async () => ledger, resolveLogger(undefined, "silent"));
    const queueUrl = "http://127.0.0.1:1/000000000000/emails";
    const crashed = claimOf(randomUUID(), { job: longJob.name, leaseMs: 100, payloadHash: undefined });
    await ledger.claim(crashed);
    expect(await cancelJob(ledger, crashed.jobId)).toEqual({ outcome: "cancelling" });
    await sleep(200);
    // When the job's message is delivered again
    const begun = await tracking.begin(handle(longJob, () => undefined).job, {
      jobId: crashed.jobId,
      queueUrl,
      payload: { n: 1 },
      rawPayload: undefined,
      redriven: false,
      skipOverlapOf: undefined,
    });
    // Then nothing runs, and the job ends cancelled after its two claims
    expect(begun).toEqual({ kind: "skip", status: "cancelled" });
    expect(await ledger.get(crashed.jobId)).toMatchObject({ status: "cancelled", attempts: 2 });
  });
});
