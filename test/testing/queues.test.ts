import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { handle, PermanentError } from "../../src/index.ts";
import { startTestApp, type TestApp } from "../../tools/src/testing/index.ts";
import { invoice, stray, welcomeEmail } from "./fixture-jobs.ts";

/**
 * The kit from queues declared in code: handlers run in this process, so the test sees what they
 * did (`sent`), and a failing recipient shows retries, backoff and dead-lettering.
 */
const sent: { to: string; attempt: number }[] = [];
let app: TestApp<"email" | "billing">;

beforeAll(async () => {
  app = await startTestApp({
    ledger: true,
    queues: [
      {
        name: "email",
        // The failures below are on purpose: no log line for them in the suite's output.
        consumer: { logLevel: "silent" },
        handlers: [
          handle(welcomeEmail, async (payload, ctx) => {
            sent.push({ to: payload.to, attempt: ctx.attempt });
            if (payload.to === "bounced@example.com") throw new PermanentError("the mailbox does not exist");
            if (payload.to === "flaky@example.com" && ctx.attempt === 1) throw new Error("SMTP timeout");
            return { sent: true };
          }),
        ],
      },
      { name: "billing", fifo: true, handlers: [handle(invoice, async () => {})] },
    ],
  });
});

afterAll(() => app?.stop());

describe("a test app from queues declared in code", () => {
  it("runs a job to its end: send, drain, then the ledger has its typed result", async () => {
    const job = await app.send(welcomeEmail, { to: "ana@example.com" });
    await app.drain();
    const state = await app.job(job);
    expect(state).toMatchObject({ status: "succeeded", attempts: 1, result: { sent: true } });
    expectTypeOf(state.result).toEqualTypeOf<{ sent: boolean } | undefined>();
    expect(sent).toContainEqual({ to: "ana@example.com", attempt: 1 });
  });

  it("shows a dead job in dlq() with its reason, and the ledger says dead", async () => {
    const job = await app.send(welcomeEmail, { to: "bounced@example.com" });
    await app.drain();
    expect(await app.dlq("email")).toContainEqual({
      jobId: job.jobId,
      jobName: "welcome-email",
      reason: "permanent",
      error: { name: "PermanentError", message: "the mailbox does not exist" },
      attempts: 1,
      payload: { to: "bounced@example.com" },
      body: expect.any(String),
    });
    expect(await app.job(job.jobId)).toMatchObject({ status: "dead", failure: { reason: "permanent" } });
  });

  it("retries after the backoff once advanceTime moves past it, not before", async () => {
    // Given a job whose first attempt fails, with a 60 s backoff
    const job = await app.send(welcomeEmail, { to: "flaky@example.com" });
    // Then drain cannot finish while the retry waits, and says which queue holds it
    const waiting = await app.drain({ timeoutMs: 500 }).catch((error: unknown) => error);
    expect(waiting).toMatchObject({
      code: "ERR_DRAIN_TIMEOUT",
      busy: [{ kind: "queue", name: "email", detail: "0 visible, 1 in flight, 0 delayed" }],
    });
    expect(await app.job(job)).toMatchObject({ status: "retrying", attempts: 1 });
    // When the clock moves past the backoff
    await app.advanceTime(60_000);
    await app.drain();
    // Then the second attempt ran and succeeded
    expect(await app.job(job)).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(sent.filter((s) => s.to === "flaky@example.com").map((s) => s.attempt)).toEqual([1, 2]);
  });

  it("holds a delayed job until advanceTime reaches its delay", async () => {
    const job = await app.send(welcomeEmail, { to: "later@example.com" }, { delaySeconds: 600 });
    await app.advanceTime(599_000);
    const early = await app.drain({ timeoutMs: 300 }).catch((error: unknown) => error);
    expect(early).toMatchObject({ busy: [{ name: "email", detail: "0 visible, 0 in flight, 1 delayed" }] });
    await app.advanceTime(1_000);
    await app.drain();
    expect(await app.job(job)).toMatchObject({ status: "succeeded" });
  });

  it("sends a job for later through the scheduler, fired when advanceTime passes its time", async () => {
    // Given a job for tomorrow on a FIFO queue (one-time EventBridge Scheduler schedule)
    const tomorrow = new Date(app.now().getTime() + 86_400_000);
    const job = await app.send(invoice, { orderId: "o-1", cents: 1200 }, { at: tomorrow, groupId: "o-1" });
    expect(job.scheduledAt).toEqual(tomorrow);
    await app.drain();
    expect(await app.job(job)).toMatchObject({ status: "queued" });
    // When a day passes on the app's clock
    await app.advanceTime(86_400_000);
    await app.drain();
    // Then it ran
    expect(await app.job(job)).toMatchObject({ status: "succeeded" });
    expect(app.now().getTime()).toBeGreaterThanOrEqual(tomorrow.getTime());
  });

  it("refuses a message SQS would refuse, as AWS answers (a NUL in the body)", async () => {
    const sqs = new SQSClient({ ...app.aws });
    const url = app.queues.find((q) => q.name === "email")?.url;
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "a\u0000b" })),
    ).rejects.toMatchObject({
      name: "InvalidMessageContents",
      message: expect.stringContaining("#x0"),
    });
    sqs.destroy();
  });

  it("refuses a job no queue carries, an unknown queue and a bad time, with typed errors", async () => {
    await expect(app.send(stray, {})).rejects.toMatchObject({
      name: "SqsJobsError",
      code: "ERR_JOB_NOT_ON_QUEUE",
      message: expect.stringMatching(/is carried by no queue of the test app.*email \(welcome-email\)/),
    });
    // @ts-expect-error: not one of the app's queue names
    await expect(app.dlq("mail")).rejects.toMatchObject({
      code: "ERR_UNKNOWN_QUEUE",
      message: expect.stringContaining("email, billing.fifo"),
    });
    await expect(app.advanceTime(-1)).rejects.toMatchObject({ code: "ERR_INVALID_OPTION" });
  });

  it("answers job() of an id its ledger does not know with an error naming the id and the jobs it sent", async () => {
    const sent = await app.send(invoice, { orderId: "o-2", cents: 1 }, { groupId: "o-2" });
    await expect(app.job("01890000-0000-7000-8000-000000000000")).rejects.toMatchObject({
      name: "SqsJobsError",
      code: "ERR_JOB_NOT_IN_LEDGER",
      message: expect.stringMatching(
        new RegExp(`no job 01890000-0000-7000-8000-000000000000: .*${sent.jobId} \\(invoice\\)`),
      ),
    });
  });

  it("reports every problem of the declared queues at once, before starting anything", async () => {
    const refused = startTestApp({
      queues: [
        { name: "no spaces", handlers: [handle(invoice, () => {})] },
        { name: "empty", handlers: [], maxReceiveCount: 1, maxConcurrency: 1 },
      ],
    });
    await expect(refused).rejects.toMatchObject({ code: "ERR_CONFIG" });
    const message = String((await refused.catch((error: unknown) => error)) as Error);
    expect(message).toContain(
      'queues[0].name must be 1-70 letters, digits, "-" or "_", but "no spaces" was provided',
    );
    expect(message).toContain('queues[1] ("empty") has no handlers');
    expect(message).toContain(
      "queues[1].maxReceiveCount must be an integer above the largest retry.maxAttempts (1)",
    );
    expect(message).toContain(
      "queues[1].maxConcurrency must be an integer between 2 and 1,000, but 1 was provided",
    );
  });

  it("runs at most maxConcurrency invocations of a queue's consumer at once, as the event source caps them", async () => {
    // Given two queues of one-record batches whose handler takes 200 ms, one capped at 2
    const peak = { capped: 0, free: 0 };
    const running = { capped: 0, free: 0 };
    const counted = (queue: "capped" | "free") =>
      handle(invoice, async () => {
        running[queue]++;
        peak[queue] = Math.max(peak[queue], running[queue]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        running[queue]--;
      });
    await using capped = await startTestApp({
      queues: [
        { name: "capped", batchSize: 1, maxConcurrency: 2, handlers: [counted("capped")] },
        { name: "free", batchSize: 1, handlers: [counted("free")] },
      ],
    });
    // When 8 jobs wait in each
    const ids = Array.from({ length: 8 }, (_, n) => `in-${n}`);
    for (const queue of ["capped", "free"] as const) {
      await Promise.all(ids.map((id) => capped.send(invoice, { orderId: id, cents: 1 }, { queue })));
    }
    await capped.drain();
    // Then the capped consumer never ran more than 2 at once, where the default let more run
    expect(peak.capped).toBe(2);
    expect(peak.free).toBeGreaterThan(2);
  });
});
