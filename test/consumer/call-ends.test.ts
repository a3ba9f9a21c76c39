import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BatchCore } from "../../src/consumer/batch-core.ts";
import type { AfterJobInfo } from "../../src/consumer/hooks.ts";
import { JobTracking } from "../../src/consumer/job-tracking.ts";
import { resolveLogger } from "../../src/consumer/logger.ts";
import type { CallResponse } from "../../src/core/call-event.ts";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { defineJob, handle } from "../../src/index.ts";
import type { Ledger, RunEnd } from "../../src/ledger/ledger.ts";
import { memoryLogger } from "./harness.ts";

/**
 * A call goes through the same decide/run step as a queued record; only its ends differ: no
 * message to delete, retry or hand back, one attempt, every end answered to the caller. No
 * network: a call never touches SQS, and the ledger is a stub that answers as DynamoDB would.
 */
const QUEUE_URL = "http://127.0.0.1:1/000000000000/calls";
const JOB_ID = "019ab1c2-7d2e-7c1a-9f0e-1b2c3d4e5f60";

const resize = defineJob({
  name: "resize",
  schema: z.object({ width: z.number() }),
  retry: { maxAttempts: 5 },
  timeoutSeconds: 5,
});

function body(payload: unknown, job: string = resize.name): string {
  return encodeEnvelopeJson(job, JOB_ID, new Date().toISOString(), JSON.stringify(payload));
}

/** A ledger whose claim answers `claim` (or throws it) and which records each run's end. */
function stubLedger(claim: Awaited<ReturnType<Ledger["claim"]>> | Error) {
  const ends: RunEnd[] = [];
  const ledger = {
    claim: async () => {
      if (claim instanceof Error) throw claim;
      return claim;
    },
    finish: async (_jobId: string, _queue: string, _token: string, end: RunEnd) => {
      ends.push(end);
      return true;
    },
  } as unknown as Ledger;
  return { ends, ledger };
}

function consumer(options: { ledger?: Ledger; fails?: boolean } = {}) {
  const { lines, logger: sink } = memoryLogger();
  const logger = resolveLogger(sink, "debug");
  const runs: unknown[] = [];
  const after: AfterJobInfo[] = [];
  const core = new BatchCore(
    [
      handle(resize, async (payload) => {
        runs.push(payload);
        if (options.fails === true) throw new TypeError("no such image");
        return undefined;
      }),
    ],
    {
      sqs: async () => {
        throw new Error("a call must not touch SQS");
      },
      logger,
      hooks: { afterJob: (info) => void after.push(info) },
      tracking:
        options.ledger === undefined
          ? undefined
          : new JobTracking(async () => options.ledger as Ledger, logger),
    },
  );
  const call = (text: string, more: { queueUrl?: string | undefined; canStart?: () => boolean } = {}) =>
    core.call(text, {
      queueUrl: "queueUrl" in more ? more.queueUrl : QUEUE_URL,
      waitMs: 0,
      canStart: more.canStart,
    });
  return { call, runs, after, lines };
}

function errorOf(response: CallResponse) {
  if (response.ok) throw new Error("expected a failed call");
  return response;
}

describe("a call's ends", () => {
  it("succeeds: answers ok with one afterJob of attempt 1, and the ledger records it", async () => {
    // Given a tracked consumer whose ledger claims the run
    const { ends, ledger } = stubLedger({ kind: "claimed", attempts: 1, cancelRequested: false });
    const { call, runs, after } = consumer({ ledger });
    // When a valid call comes in
    const response = await call(body({ width: 200 }));
    // Then the handler ran once, the caller gets ok, the ledger says succeeded
    expect(response).toEqual({ ok: true, jobId: JOB_ID, resultJson: undefined });
    expect(runs).toEqual([{ width: 200 }]);
    expect(after).toMatchObject([{ jobId: JOB_ID, messageId: JOB_ID, attempt: 1, outcome: "succeeded" }]);
    expect(ends).toEqual([{ status: "succeeded", resultJson: undefined }]);
  });

  it("fails on its one attempt: the error is answered and the job is dead, never retried", async () => {
    const { ends, ledger } = stubLedger({ kind: "claimed", attempts: 1, cancelRequested: false });
    const { call, runs, after } = consumer({ ledger, fails: true });
    const response = errorOf(await call(body({ width: 200 })));
    expect(response.started).toBeUndefined();
    expect(response.error).toMatchObject({ name: "TypeError", message: "no such image" });
    expect(runs).toHaveLength(1);
    expect(after).toMatchObject([{ outcome: "dead", attempt: 1 }]);
    expect(ends).toMatchObject([{ status: "dead", failure: { reason: "exhausted", name: "TypeError" } }]);
  });

  it("answers poison (an undecodable body, an unknown job, an invalid payload) without running", async () => {
    const { call, runs, after } = consumer();
    expect(errorOf(await call("not json")).jobId).toBe("");
    expect(errorOf(await call(body({ width: 1 }, "crop"))).error).toMatchObject({
      name: "SqsJobsError",
      code: "ERR_UNKNOWN_JOB",
    });
    const invalid = errorOf(await call(body({ width: "wide" })));
    expect(invalid.error.name).toBe("ValidationError");
    expect(invalid.error.message).toContain(`payload of call ${JOB_ID} for job "resize"`);
    expect(runs).toEqual([]);
    expect(after).toEqual([]);
  });

  it("answers a JobTimeoutError when the invocation has no time left for the job", async () => {
    const { call, runs } = consumer();
    const response = errorOf(await call(body({ width: 200 }), { canStart: () => false }));
    expect(response.error.name).toBe("JobTimeoutError");
    expect(runs).toEqual([]);
  });

  it("answers not started when it must not run now", async () => {
    // Given ledgers that cannot be reached, or already finished the job, and a consumer with no queue
    const down = consumer({ ledger: stubLedger(new Error("DynamoDB is down")).ledger });
    const done = consumer({ ledger: stubLedger({ kind: "finished", status: "succeeded" }).ledger });
    const noQueue = consumer({
      ledger: stubLedger({ kind: "claimed", attempts: 1, cancelRequested: false }).ledger,
    });
    // When each is called
    const answers = [
      errorOf(await down.call(body({ width: 200 }))),
      errorOf(await done.call(body({ width: 200 }))),
      errorOf(await noQueue.call(body({ width: 200 }), { queueUrl: undefined })),
    ];
    // Then none ran, and each says why, as not started
    expect(answers.map((a) => a.started)).toEqual([false, false, false]);
    expect(answers[0]?.error.message).toContain("the job ledger could not be reached: DynamoDB is down");
    expect(answers[1]?.error.message).toBe(`job ${JOB_ID} is already succeeded`);
    expect(answers[2]?.error.message).toContain("SQS_JOBS_QUEUE_URL");
    expect([...down.runs, ...done.runs, ...noQueue.runs]).toEqual([]);
    expect(down.lines.some((l) => l.level === "warn" && l.message.includes("refused unstarted"))).toBe(true);
  });
});
