import { describe, expect, it } from "vitest";
import { buildReportHandler } from "../../handlers/build-report.ts";
import { memoryStore } from "../../handlers/object-store.ts";
import { analyse, reportKey } from "../../handlers/report.ts";
import { handler as sendEmailEntry, sendEmailHandler } from "../../handlers/send-email.ts";
import { ConfigError, type JobContext, PermanentError } from "../../src/index.ts";
import { LEDGER_TABLE_ENV } from "../../src/ledger/table-layout.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function context(jobId: string, signal = new AbortController().signal): JobContext {
  return {
    jobId,
    jobName: "test",
    attempt: 1,
    maxAttempts: 3,
    messageId: `m-${jobId}`,
    enqueuedAt: new Date(),
    logger: quiet,
    signal,
    queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
    ...noFlows,
    progress() {},
  };
}

/** These handlers start no children: a call would be a bug the test should see. */
const refuse = () => {
  throw new Error("this handler should start no child job");
};
const noFlows: Pick<JobContext, "send" | "sendBatch" | "flow" | "childResults"> = {
  send: refuse,
  sendBatch: refuse,
  flow: refuse,
  childResults: refuse,
};

describe("the build-report handler", () => {
  it("stores one report per job and does nothing on a redelivery", async () => {
    // Given an input file
    const store = memoryStore();
    store.objects.set("inputs/a.txt", "the cat\nthe dog\n");
    const { run } = buildReportHandler(store);
    // When the job runs, Then its report is stored under its job id
    await run({ inputKey: "inputs/a.txt", topWords: 1 }, context("job-1"));
    const first = store.objects.get(reportKey("job-1"));
    expect(JSON.parse(first ?? "{}")).toMatchObject({
      lines: 2,
      words: 4,
      topWords: [{ word: "the", count: 2 }],
    });
    // When it is delivered again, even after the input changed, Then the report stays as it was
    store.objects.set("inputs/a.txt", "changed");
    await run({ inputKey: "inputs/a.txt", topWords: 1 }, context("job-1"));
    expect(store.objects.get(reportKey("job-1"))).toBe(first);
  });

  it("dead-letters at once when the input does not exist", async () => {
    const { run } = buildReportHandler(memoryStore());
    await expect(run({ inputKey: "inputs/missing.txt", topWords: 10 }, context("job-2"))).rejects.toThrow(
      PermanentError,
    );
  });

  it("stops when the job's signal aborts", () => {
    const controller = new AbortController();
    controller.abort(new Error("timed out"));
    expect(() =>
      analyse("a\n".repeat(10), { inputKey: "k", jobId: "j", topWords: 1, signal: controller.signal }),
    ).toThrow("timed out");
  });
});

describe("the send-email handler", () => {
  it("sends once per job id", async () => {
    const outbox = memoryStore();
    const { run } = sendEmailHandler(outbox);
    const email = { to: "a@example.com", subject: "Hi", body: "Hello" };
    await run(email, context("job-3"));
    await run(email, context("job-3"));
    expect([...outbox.objects.keys()]).toEqual(["outbox/job-3.json"]);
  });
});

describe("the send-email Lambda entry", () => {
  it("loads without the ledger's table, and each invocation fails with a ConfigError naming it", async () => {
    // Given no ledger table configured (JobQueue sets it; a unit test does not) and the entry
    // imported above, which built its handler at import without throwing
    expect(process.env[LEDGER_TABLE_ENV]).toBeUndefined();
    // When Lambda invokes it
    const invoked = sendEmailEntry({ Records: [] }, {} as never);
    // Then no job runs: the invocation fails, saying why and how to fix it
    await expect(invoked).rejects.toBeInstanceOf(ConfigError);
    await expect(invoked).rejects.toThrow(
      `job "send-email" has a rate limit, which needs the job ledger: give the queue a JobLedger (JobQueue({ ledger }))`,
    );
  });
});
