import { randomUUID } from "node:crypto";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DLQ_ATTRIBUTES } from "../../src/core/dead-letter-attributes.ts";
import {
  createSqsHandler,
  defineJob,
  handle,
  JobClient,
  JobDeadError,
  type JobHandler,
  PermanentError,
  startWorker,
  WaitTimeoutError,
} from "../../src/index.ts";
import { invokeLikeLambda, lambdaContext, sleep } from "../consumer/harness.ts";
import { eventually } from "../helpers/eventually.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "./fixture.ts";

const sqs = testSqs();
const { client: dynamodb, newLedger } = ledgerFixture();

/** A queue with its DLQ, a ledger table, a client and a way to run workers on them. */
async function rig(label: string) {
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`);
  const queueUrl = await createTestQueue(sqs, label, { attributes: { VisibilityTimeout: "30" } });
  const { tableName } = await newLedger();
  const ledger = { tableName, dynamodb };
  const jobs = new JobClient({ queueUrl, sqs, ledger });
  const workers: { stop(): Promise<void> }[] = [];
  const work = (handlers: JobHandler[], concurrency = 5) => {
    const worker = startWorker({
      queueUrl,
      handlers,
      sqs,
      ledger,
      dlqUrl,
      concurrency,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: "silent",
    });
    workers.push(worker);
    return worker;
  };
  const stop = () => Promise.all(workers.map((w) => w.stop()));
  return { queueUrl, dlqUrl, jobs, ledger, work, stop };
}

const report = defineJob({
  name: "report",
  schema: z.object({ rows: z.number().int() }),
  result: z.object({ total: z.number(), at: z.iso.datetime().transform((s) => new Date(s)) }),
  retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 1 } },
});

/** `JobState`'s fields as docs/ledger.md and the type document them. */
const JOB_STATE_FIELDS = [
  "jobId",
  "jobName",
  "queue",
  "status",
  "attempts",
  "createdAt",
  "updatedAt",
  "startedAt",
  "finishedAt",
  "leaseEndsAt",
  "result",
  "failure",
  "throttledUntil",
  "parentId",
  "rootId",
  "flows",
  "progress",
];

describe("tracked jobs", () => {
  it("a producer waits for a job's typed result; the ledger shows it succeeded after one attempt", async () => {
    const { jobs, work, stop } = await rig("ledger-result");
    work([handle(report, (p) => ({ total: p.rows * 2, at: "2026-11-30T12:00:00.000Z" }))]);
    try {
      const sent = await jobs.send(report, { rows: 21 });
      expect(sent.deduplicated).toBe(false);
      const result = await sent.waitFor({ timeoutMs: 20_000 });
      expect(result).toEqual({ total: 42, at: new Date("2026-11-30T12:00:00.000Z") });
      const state = await jobs.getJob(report, sent.jobId);
      expect(state).toMatchObject({ status: "succeeded", attempts: 1, jobName: "report", result });
      expect(state?.finishedAt).toBeInstanceOf(Date);
    } finally {
      await stop();
    }
  });

  it("a dead job rejects the waiter with its reason and last error; retries are counted", async () => {
    const { jobs, work, stop } = await rig("ledger-dead");
    work([
      handle(report, (p) => {
        if (p.rows < 0) throw new PermanentError("negative rows");
        throw new TypeError("flaky");
      }),
    ]);
    try {
      const permanent = await jobs.send(report, { rows: -1 });
      const error = await permanent.waitFor({ timeoutMs: 20_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobDeadError);
      expect(error).toMatchObject({
        code: "ERR_JOB_DEAD",
        attempts: 1,
        failure: {
          reason: "permanent",
          name: "PermanentError",
          message: "negative rows",
          code: "ERR_PERMANENT",
        },
      });

      // getJob answers the documented JobState fields and nothing else (the list index's
      // deadReason, the stored result JSON stay inside).
      const state = await jobs.getJob(report, permanent.jobId);
      expect(Object.keys(state ?? {}).sort()).toEqual([...JOB_STATE_FIELDS].sort());

      const exhausted = await jobs.send(report, { rows: 1 });
      await expect(exhausted.waitFor({ timeoutMs: 20_000 })).rejects.toMatchObject({
        attempts: 2,
        failure: { reason: "exhausted", name: "TypeError", message: "flaky" },
      });
    } finally {
      await stop();
    }
  });

  it("a result that fails the result schema dead-letters the job (a bug: retrying would not fix it)", async () => {
    const { jobs, dlqUrl, work, stop } = await rig("ledger-bad-result");
    // biome-ignore lint/suspicious/noExplicitAny: returning what the schema refuses, on purpose
    work([handle(report, () => ({ total: "many" }) as any)]);
    try {
      const sent = await jobs.send(report, { rows: 1 });
      await expect(sent.waitFor({ timeoutMs: 20_000 })).rejects.toMatchObject({
        failure: { reason: "permanent", name: "ValidationError" },
      });
      expect((await queueDepth(sqs, dlqUrl)).visible).toBe(1);
    } finally {
      await stop();
    }
  });

  it("waitFor gives up with the status it last saw; the job goes on", async () => {
    const { jobs } = await rig("ledger-wait");
    const sent = await jobs.send(report, { rows: 1 });
    const error = await jobs.waitFor(report, sent.jobId, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ status: "queued" });
  });

  it("the double email: sent twice and delivered twice, one email", async () => {
    const email = defineJob({
      name: "email",
      schema: z.object({ to: z.email(), subject: z.string() }),
      unique: { key: (p) => `${p.to}|${p.subject}`, windowSeconds: 3600 },
    });
    const { queueUrl, jobs, work, stop } = await rig("ledger-double-email");
    const first = await jobs.send(email, { to: "a@example.com", subject: "Welcome" });
    const second = await jobs.send(email, { to: "a@example.com", subject: "Welcome" });
    expect(second).toMatchObject({ deduplicated: true, jobId: first.jobId, messageId: "" });
    const other = await jobs.send(email, { to: "b@example.com", subject: "Welcome" });
    expect(other.deduplicated).toBe(false);
    // SQS delivers the first message twice (at-least-once): a second copy of its body.
    const copy = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    const body = copy.Messages?.find((m) => m.Body?.includes(first.jobId))?.Body;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));

    const sentTo: string[] = [];
    work([
      handle(email, async (p) => {
        sentTo.push(p.to);
        await sleep(200);
      }),
    ]);
    try {
      await first.waitFor({ timeoutMs: 20_000 });
      await other.waitFor({ timeoutMs: 20_000 });
      await eventually(
        () => queueDepth(sqs, queueUrl),
        (d) => d.visible + d.inFlight + d.delayed === 0,
      );
      expect(sentTo.sort()).toEqual(["a@example.com", "b@example.com"]);
      expect(await jobs.getJob(email, first.jobId)).toMatchObject({ status: "succeeded", attempts: 1 });
    } finally {
      await stop();
    }
  });

  it("sendBatch: keys held within the batch and by earlier jobs are deduplicated, in input order", async () => {
    const email = defineJob({
      name: "email",
      schema: z.object({ to: z.string() }),
      unique: { key: (p) => p.to, windowSeconds: 60 },
    });
    const { jobs } = await rig("ledger-batch-unique");
    const earlier = await jobs.send(email, { to: "a" });
    const out = await jobs.sendBatch(email, [{ to: "a" }, { to: "b" }, { to: "b" }, { to: "c" }]);
    expect(out.failed).toBe(0);
    expect(out.succeeded).toBe(4);
    expect(out.items.map((i) => i.index)).toEqual([0, 1, 2, 3]);
    expect(out.items[0]).toMatchObject({ ok: true, deduplicated: true, jobId: earlier.jobId });
    const b = out.items.slice(1, 3);
    expect(b.filter((i) => i.ok && i.deduplicated)).toHaveLength(1);
    expect(new Set(b.map((i) => i.jobId)).size).toBe(1);
    expect(out.items[3]).toMatchObject({ ok: true, deduplicated: false });
  });

  it("a duplicate delivered while the first copy runs waits instead of running beside it, at no attempt", async () => {
    const slow = defineJob({ name: "slow", schema: z.object({ n: z.number() }), timeoutSeconds: 5 });
    const { queueUrl, jobs, ledger } = await rig("ledger-concurrent-dup");
    const sent = await jobs.send(slow, { n: 1 });
    const copy = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: copy.Messages?.[0]?.Body }));
    let running = 0;
    let most = 0;
    const handler = createSqsHandler(
      [
        handle(slow, async () => {
          running++;
          most = Math.max(most, running);
          await sleep(300);
          running--;
        }),
      ],
      { sqs, ledger, logLevel: "silent", metrics: false },
    );
    const arn = await queueArn(sqs, queueUrl);
    const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler, {
      expect: 2,
      context: lambdaContext(),
    });
    expect(most).toBe(1);
    // The copy that waited went back on the queue as a delayed fresh copy; none was reported failed.
    expect(response.batchItemFailures).toEqual([]);
    expect(await jobs.getJob(slow, sent.jobId)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("singleton: a slow job sent every few hundred ms never overlaps itself, and every run happens", async () => {
    const sync = defineJob({
      name: "sync-account",
      schema: z.object({ account: z.string(), n: z.number() }),
      concurrency: { key: (p) => p.account, limit: 1 },
      timeoutSeconds: 5,
    });
    const { jobs, work, stop } = await rig("ledger-singleton");
    let running = 0;
    let most = 0;
    const ran: number[] = [];
    const slowSync = handle(sync, async (p) => {
      running++;
      most = Math.max(most, running);
      await sleep(700);
      ran.push(p.n);
      running--;
    });
    // Two workers, as two Lambda instances would be.
    work([slowSync]);
    work([slowSync]);
    try {
      const sent = [];
      for (let n = 0; n < 4; n++) {
        sent.push(await jobs.send(sync, { account: "acme", n }));
        await sleep(300);
      }
      for (const s of sent) await s.waitFor({ timeoutMs: 60_000 });
      expect(most).toBe(1);
      expect(ran.sort()).toEqual([0, 1, 2, 3]);
      for (const s of sent) expect(await jobs.getJob(sync, s.jobId)).toMatchObject({ attempts: 1 });
    } finally {
      await stop();
    }
  }, 90_000);

  it("a job's success is in the ledger before its message is deleted, so a worker killed between the two loses nothing", async () => {
    // Given a worker whose afterJob hook (called once the message is settled for deletion) reads the ledger
    const { queueUrl, jobs, ledger } = await rig("ledger-finish-first");
    const seen: (string | undefined)[] = [];
    const worker = startWorker({
      queueUrl,
      handlers: [handle(report, () => ({ total: 1, at: new Date().toISOString() }))],
      sqs,
      ledger,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: "silent",
      hooks: {
        afterJob: async (info) => {
          seen.push((await jobs.getJob(report, info.jobId))?.status);
        },
      },
    });
    try {
      // When a job succeeds
      await (await jobs.send(report, { rows: 1 })).waitFor({ timeoutMs: 20_000 });
      await eventually(
        () => Promise.resolve(seen.length),
        (n) => n === 1,
      );
      // Then the ledger already said succeeded when the delete was settled
      expect(seen).toEqual(["succeeded"]);
    } finally {
      await worker.stop();
    }
  });

  it("a ledger that cannot be reached: nothing runs, each try is a failed attempt, the last dead-letters it with the reason", async () => {
    const { queueUrl, dlqUrl } = await rig("ledger-down");
    await new JobClient({ queueUrl, sqs, ledger: false }).send(report, { rows: 1 });
    let ran = 0;
    const worker = startWorker({
      queueUrl,
      handlers: [handle(report, () => ({ total: ran++, at: new Date().toISOString() }))],
      sqs,
      ledger: { tableName: `missing-${randomUUID()}`, dynamodb },
      dlqUrl,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: "silent",
    });
    try {
      const [dead] = await drainQueue(sqs, dlqUrl, { expect: 1, quietMs: 5_000 });
      expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("exhausted");
      expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.attempts]?.StringValue).toBe("2");
      expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.errorMessage]?.StringValue).toMatch(
        /could not claim a run of job "report" \(ResourceNotFoundException/,
      );
    } finally {
      await worker.stop();
    }
    expect(ran).toBe(0);
    const depth = await queueDepth(sqs, queueUrl);
    expect(depth.visible + depth.inFlight + depth.delayed).toBe(0);
  });

  it("a job with a concurrency limit refuses to run without a ledger, and says how to add one", async () => {
    const limited = defineJob({
      name: "limited",
      schema: z.object({}),
      concurrency: { key: "all", limit: 1 },
    });
    const handler = createSqsHandler([handle(limited, () => undefined)], { ledger: false });
    await expect(handler({ Records: [] }, {} as never)).rejects.toThrow(
      /concurrency limit, which needs the job ledger/,
    );
  });
});
