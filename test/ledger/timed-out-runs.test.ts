import { randomUUID } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { JobTracking } from "../../src/consumer/job-tracking.ts";
import { resolveLogger } from "../../src/consumer/logger.ts";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { queueNameOf } from "../../src/core/queue-url.ts";
import { createSqsHandler, defineJob, handle, JobClient, startWorker } from "../../src/index.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { invokeLikeLambda, lambdaContext, memoryLogger, sleep } from "../consumer/harness.ts";
import { eventually } from "../helpers/eventually.ts";
import { createTestQueue, queueArn, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "./fixture.ts";

const sqs = testSqs();
const { client: dynamodb, newLedger } = ledgerFixture();

/** A singleton whose first run ignores its signal and works on long past its 1 s timeout. */
const sync = defineJob({
  name: "sync-account",
  schema: z.object({ account: z.string(), n: z.number() }),
  concurrency: { key: (p) => p.account, limit: 1 },
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 1 } },
  timeoutSeconds: 1,
});

/** Counts overlapping runs; the first run of job 0 works `stubbornMs` whatever its signal says. */
function stubbornSync(stubbornMs: number) {
  const seen = { running: 0, most: 0, starts: [] as number[], returnedAt: 0 };
  const handler = handle(sync, async (p, ctx) => {
    seen.running++;
    seen.most = Math.max(seen.most, seen.running);
    seen.starts.push(p.n);
    try {
      if (p.n === 0 && ctx.attempt === 1) {
        await sleep(stubbornMs);
        seen.returnedAt = Date.now();
      }
    } finally {
      seen.running--;
    }
  });
  return { seen, handler };
}

async function rig(label: string) {
  const queueUrl = await createTestQueue(sqs, label, { attributes: { VisibilityTimeout: "30" } });
  const { tableName } = await newLedger();
  const ledger = { tableName, dynamodb };
  return { queueUrl, ledger, jobs: new JobClient({ queueUrl, sqs, ledger }) };
}

describe("a timed-out run that ignores its signal", () => {
  it("worker: the singleton's slot stays held until the handler returns, so no run overlaps it; both moments are logged", async () => {
    // Given two workers on a singleton whose first run works 5 s past a 1 s timeout
    const { queueUrl, ledger, jobs } = await rig("timed-out-worker");
    const { seen, handler } = stubbornSync(5_000);
    const { lines, logger } = memoryLogger();
    const workers = [0, 1].map(() =>
      startWorker({
        queueUrl,
        handlers: [handler],
        sqs,
        ledger,
        waitTimeSeconds: 1,
        handleSignals: false,
        logger,
        logLevel: "debug",
      }),
    );
    try {
      // When job 0 times out (its retry comes back after 1 s) and job 1 of the same key is sent
      const first = await jobs.send(sync, { account: "acme", n: 0 });
      const second = await jobs.send(sync, { account: "acme", n: 1 });
      await first.waitFor({ timeoutMs: 40_000 });
      await second.waitFor({ timeoutMs: 40_000 });
      // Then no run started while the stubborn handler worked: its retry and job 1 waited for the slot
      expect(seen.most).toBe(1);
      expect(seen.starts.filter((n) => n === 0)).toHaveLength(2);
      expect(await jobs.getJob(sync, first.jobId)).toMatchObject({ status: "succeeded", attempts: 2 });
      expect(await jobs.getJob(sync, second.jobId)).toMatchObject({ status: "succeeded", attempts: 1 });
      // And the timeout and the late return were each logged once, naming the job
      const timedOut = lines.filter((l) => /ran past its timeout/.test(l.message));
      const returned = lines.filter((l) => /returned .* after/.test(l.message));
      expect(timedOut).toHaveLength(1);
      expect(returned).toHaveLength(1);
      expect(timedOut[0]?.fields).toMatchObject({ jobId: first.jobId, timeoutSeconds: 1 });
      expect(returned[0]?.fields).toMatchObject({ jobId: first.jobId });
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 60_000);

  it("Lambda: the invocation answers only once the handler returned and freed the slot, so Lambda never freezes a run holding it", async () => {
    // Given a singleton whose first run works 3 s past its 1 s timeout, in one Lambda environment
    const { queueUrl, ledger, jobs } = await rig("timed-out-lambda");
    const arn = await queueArn(sqs, queueUrl);
    const { seen, handler } = stubbornSync(3_000);
    const environment = () =>
      createSqsHandler([handler], { sqs, ledger, logLevel: "silent", metrics: false });
    await jobs.send(sync, { account: "acme", n: 0 });
    // When the function is invoked with it
    const started = Date.now();
    const first = invokeLikeLambda(sqs, queueUrl, arn, environment(), { context: lambdaContext() });
    await sleep(1_500);
    // And, once it timed out, another environment gets job 1 of the same key
    await jobs.send(sync, { account: "acme", n: 1 });
    const other = await invokeLikeLambda(sqs, queueUrl, arn, environment(), { context: lambdaContext() });
    const { response } = await first;
    const answeredAt = Date.now();
    // Then job 1 waited for the slot instead of running beside the stubborn handler
    expect(other.event.Records.length).toBeGreaterThan(0);
    expect(seen.starts).toEqual([0]);
    expect(seen.most).toBe(1);
    // And the first invocation answered (job 0 failed: a retry) after its handler really returned
    expect(response.batchItemFailures).toHaveLength(1);
    expect(seen.returnedAt).toBeGreaterThan(started);
    expect(answeredAt).toBeGreaterThanOrEqual(seen.returnedAt);
  }, 30_000);

  it('schedule with overlap "skip": the next run is skipped while the timed-out run still works, and its own retry waits for it', async () => {
    // Given a schedule with overlap "skip" whose first run works 3 s past its 1 s timeout
    const nightly = defineJob({
      name: "nightly-sync",
      schema: z.object({}),
      retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 1 } },
      timeoutSeconds: 1,
    });
    const { queueUrl, ledger } = await rig("timed-out-schedule");
    const seen = { running: 0, most: 0, ran: [] as string[] };
    const worker = startWorker({
      queueUrl,
      handlers: [
        handle(nightly, async (_payload, ctx) => {
          seen.running++;
          seen.most = Math.max(seen.most, seen.running);
          seen.ran.push(ctx.jobId);
          if (seen.ran.length === 1) await sleep(4_000);
          seen.running--;
        }),
      ],
      sqs,
      ledger,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: "silent",
    });
    const fire = (scheduledAt: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: encodeEnvelopeJson("nightly-sync", randomUUID(), scheduledAt, "{}", {
            schedule: { name: "nightly", overlap: "skip" },
          }),
        }),
      );
    const jobs = new JobClient({ queueUrl, sqs, ledger });
    try {
      // When the schedule fires, and fires again once the first run timed out
      await fire("2026-12-01T03:00:00Z");
      await eventually(
        () => Promise.resolve(seen.ran.length),
        (n) => n === 1,
      );
      await sleep(1_500);
      await fire("2026-12-01T03:01:00Z");
      // Then the first run's retry runs once the stubborn handler returned, and succeeds
      const first = seen.ran[0] ?? "";
      const state = await eventually(
        () => jobs.getJob(nightly, first),
        (s) => s?.status === "succeeded",
      );
      expect(state).toMatchObject({ status: "succeeded", attempts: 2 });
      // And the second run was delivered and recorded skipped, never overlapping the first
      expect(seen.ran).toEqual([first, first]);
      expect(seen.most).toBe(1);
      // (the list index is eventually consistent)
      const tracked = new Ledger({ client: dynamodb, tableName: ledger.tableName, retentionDays: 1 });
      const skipped = await eventually(
        () => tracked.list(queueNameOf(queueUrl), "skipped", 10),
        (list) => list.length === 1,
      );
      expect(skipped).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  }, 40_000);

  it("renewSlot extends the lease of a slot the run holds, and says when another run took it", async () => {
    // Given a slot taken with a 300 ms lease
    const ledger = new Ledger({
      client: dynamodb,
      tableName: (await newLedger()).tableName,
      retentionDays: 1,
    });
    const n = await ledger.takeSlot("sync", "acme", 1, "run-a", 300);
    expect(n).toBe(0);
    // When its run renews it for 2 s, past the first lease
    expect(await ledger.renewSlot("sync", "acme", 0, "run-a", 2_000)).toBe(true);
    await sleep(500);
    // Then no other run takes it; once it expires, another run does, and the old run's renewal fails
    expect(await ledger.takeSlot("sync", "acme", 1, "run-b", 300)).toBeUndefined();
    await sleep(1_700);
    expect(await ledger.takeSlot("sync", "acme", 1, "run-b", 5_000)).toBe(0);
    expect(await ledger.renewSlot("sync", "acme", 0, "run-a", 2_000)).toBe(false);
  });

  it("keeps its slot past the lease by renewing it, and frees it when the handler returns", async () => {
    // Given a tracked run of a singleton with a 1 s timeout and a 2 s lease margin (lease 3 s)
    const { tableName } = await newLedger();
    const ledger = new Ledger({ client: dynamodb, tableName, retentionDays: 1 });
    const tracking = new JobTracking(async () => ledger, resolveLogger(undefined, "silent"), {
      leaseMarginMs: 2_000,
    });
    const job = handle(sync, () => undefined).job;
    const delivery = (jobId: string) => ({
      jobId,
      queueUrl: "http://127.0.0.1:1/000000000000/q",
      payload: { account: "acme", n: 0 },
      rawPayload: { account: "acme", n: 0 },
      redriven: false,
      skipOverlapOf: undefined,
    });
    const first = await tracking.begin(job, delivery("a"));
    if (first.kind !== "run") throw new Error(`expected a run, got ${first.kind}`);
    // When its handler outlives the run (the run ended at its timeout)
    let returned: () => void = () => {};
    first.run.keepSlotsUntil(new Promise<void>((resolve) => (returned = resolve)));
    await first.run.end({
      status: "retrying",
      failure: { reason: undefined, name: "JobTimeoutError", message: "timed out", code: "ERR_JOB_TIMEOUT" },
    });
    // Then 4.5 s in, past the 3 s lease, another run of the key still finds the slot held
    await sleep(4_500);
    expect((await tracking.begin(job, delivery("b"))).kind).toBe("wait");
    // And once the handler returned, the slot is free
    returned();
    await tracking.slotsFreed();
    expect((await tracking.begin(job, delivery("c"))).kind).toBe("run");
  }, 20_000);
});
