import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { JobFailure } from "../../src/ledger/job-state.ts";
import type { Ledger, RunEnd } from "../../src/ledger/ledger.ts";
import { writeProgress } from "../../src/ledger/run-flags.ts";
import { ledgerFixture } from "../ledger/fixture.ts";
import { runCli, widest } from "./run-cli.ts";

const { endpoint, newLedger } = await ledgerFixture();
/** The CLI's DynamoDB client goes to this file's dynalite; its SQS client (unused) to the run's fauxqs. */
const env = { AWS_ENDPOINT_URL_DYNAMODB: endpoint, SQS_JOBS_LEDGER_TABLE: undefined };

const FLAKY: JobFailure = { reason: undefined, name: "TypeError", message: "flaky", code: undefined };
const EXHAUSTED: JobFailure = {
  reason: "exhausted",
  name: "JobTimeoutError",
  message: "the job ran longer than its 30 s timeout",
  code: "ERR_JOB_TIMEOUT",
};

/** Puts a job in the ledger as a producer and a consumer would: queued, then one run that ends so. */
async function seed(ledger: Ledger, queue: string, job: string, end?: RunEnd): Promise<string> {
  const jobId = randomUUID();
  await ledger.recordQueued([{ jobId, job, queue, payloadHash: "h" }]);
  if (end !== undefined) {
    const runToken = randomUUID();
    const claim = await ledger.claim({
      jobId,
      job,
      queue,
      runToken,
      leaseMs: 60_000,
      payloadHash: "h",
      redriven: false,
    });
    expect(claim.kind).toBe("claimed");
    expect(await ledger.finish(jobId, queue, runToken, end)).toBe(true);
  }
  // The list sorts by the last change, kept to the millisecond: one per job keeps the order known.
  await new Promise((resolve) => setTimeout(resolve, 5));
  return jobId;
}

const bigResult = { total: 42, rows: Array.from({ length: 40 }, (_, i) => ({ row: i, value: `v${i}` })) };

describe("sqs-jobs jobs get", () => {
  it("prints a succeeded job's entry in 80 columns, and the whole result with --json", async () => {
    // Given a job that succeeded with a result too long for one line
    const ledger = await newLedger();
    const jobId = await seed(ledger, "reports", "build-report", {
      status: "succeeded",
      resultJson: JSON.stringify(bigResult),
    });

    // When it is read as a table and as JSON
    const table = await runCli(["jobs", "get", jobId, "--table", ledger.tableName], { env });
    const json = await runCli(["jobs", "get", jobId, "--table", ledger.tableName, "--json"], { env });

    // Then the table names the job, its status and attempts and a shortened result
    expect(table.stderr).toBe("");
    expect(table.code).toBe(0);
    expect(widest(table.stdout)).toBeLessThanOrEqual(80);
    expect(table.stdout).toMatch(new RegExp(`^job id +${jobId}$`, "m"));
    expect(table.stdout).toMatch(/^status +succeeded$/m);
    expect(table.stdout).toMatch(/^attempts +1$/m);
    expect(table.stdout).toMatch(/^result +\{"total":42,"rows":\[.*…$/m);
    expect(table.stdout).toContain("--json prints every field whole");
    // And the JSON holds the result parsed and whole
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      jobId,
      jobName: "build-report",
      queue: "reports",
      status: "succeeded",
      attempts: 1,
      result: bigResult,
    });
  });

  it("shows a cancelled job and the progress its handler last reported", async () => {
    // Given a job whose run reported progress, then was cancelled
    const ledger = await newLedger();
    const jobId = randomUUID();
    const runToken = randomUUID();
    await ledger.recordQueued([{ jobId, job: "crawl", queue: "crawls", payloadHash: "h" }]);
    await ledger.claim({
      jobId,
      job: "crawl",
      queue: "crawls",
      runToken,
      leaseMs: 60_000,
      payloadHash: "h",
      redriven: false,
    });
    await writeProgress(ledger, jobId, runToken, JSON.stringify({ done: 7, total: 10 }));
    await ledger.finish(jobId, "crawls", runToken, { status: "cancelled" });
    // When it is read
    const table = await runCli(["jobs", "get", jobId, "--table", ledger.tableName], { env });
    const json = await runCli(["jobs", "get", jobId, "--table", ledger.tableName, "--json"], { env });
    // Then both say cancelled and show the progress
    expect(table.stdout).toMatch(/^status +cancelled$/m);
    expect(table.stdout).toMatch(/^progress +\{"done":7,"total":10\}$/m);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: "cancelled", progress: { done: 7, total: 10 } });
  });

  it("shows a dead job's reason and last error, with the table from SQS_JOBS_LEDGER_TABLE and --endpoint", async () => {
    // Given a dead job
    const ledger = await newLedger();
    const jobId = await seed(ledger, "reports", "build-report", { status: "dead", failure: EXHAUSTED });

    // When the table comes from the environment and the endpoint from --endpoint
    const run = await runCli(["jobs", "get", jobId, "--endpoint", endpoint], {
      env: { ...env, AWS_ENDPOINT_URL_DYNAMODB: undefined, SQS_JOBS_LEDGER_TABLE: ledger.tableName },
    });

    // Then the failure is shown with its reason and code
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^status +dead$/m);
    expect(run.stdout).toMatch(/^reason +exhausted$/m);
    // And the error, too long for one line, wraps instead of being cut
    expect(run.stdout).toMatch(
      /^error +JobTimeoutError \(ERR_JOB_TIMEOUT\): the job ran longer than its 30 s\n +timeout$/m,
    );
    expect(run.stdout).not.toContain("shortened");
    expect(widest(run.stdout)).toBeLessThanOrEqual(80);
  });

  it("shows when a running job's lease ends, and calls it stalled once it has ended", async () => {
    // Given two jobs whose runs started and never recorded an end: one with a live lease, one
    // whose lease ended (its run died, or its outcome could not be written)
    const ledger = await newLedger();
    const [live, dead] = [randomUUID(), randomUUID()];
    const claimedFrom = Date.now();
    for (const [jobId, leaseMs] of [
      [live, 60_000],
      [dead, 1],
    ] as const) {
      await ledger.recordQueued([{ jobId, job: "build-report", queue: "reports", payloadHash: "h" }]);
      const claim = await ledger.claim({
        jobId,
        job: "build-report",
        queue: "reports",
        runToken: randomUUID(),
        leaseMs,
        payloadHash: "h",
        redriven: false,
      });
      expect(claim.kind).toBe("claimed");
    }
    const claimedTo = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));

    // When each is read
    const readFrom = Date.now();
    const liveRun = await runCli(["jobs", "get", live, "--table", ledger.tableName], { env });
    const readTo = Date.now();
    const deadRun = await runCli(["jobs", "get", dead, "--table", ledger.tableName], { env });
    const deadJson = await runCli(["jobs", "get", dead, "--table", ledger.tableName, "--json"], { env });

    // Then the live one says when its lease ends, the other that it stalled
    expect(liveRun.stdout).toMatch(/^status +running$/m);
    // at the claim's time plus its 60 s lease, and in as many seconds as were left when the CLI
    // read it (bounded by the times around its run, however slow it starts under load)
    const [, endsAt = "", inSeconds = ""] = /^lease +ends (\S+Z) \(in (\d+)s\)$/m.exec(liveRun.stdout) ?? [];
    const ends = Date.parse(endsAt);
    expect(ends).toBeGreaterThanOrEqual(claimedFrom + 60_000);
    expect(ends).toBeLessThanOrEqual(claimedTo + 60_000);
    expect(Number(inSeconds)).toBeGreaterThanOrEqual(Math.round((ends - readTo) / 1000));
    expect(Number(inSeconds)).toBeLessThanOrEqual(Math.round((ends - readFrom) / 1000));
    expect(deadRun.stdout).toMatch(/^lease +STALLED since \S+Z \(\d+s ago\)$/m);
    expect(widest(deadRun.stdout)).toBeLessThanOrEqual(80);
    expect(JSON.parse(deadJson.stdout)).toMatchObject({ status: "running", leaseEndsAt: expect.any(String) });
  });

  it("exits 1 naming the id and the table when the ledger has no entry", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    const run = await runCli(["jobs", "get", jobId, "--table", ledger.tableName, "--json"], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`has no entry for job ${jobId}`);
    expect(run.stderr).toContain(ledger.tableName);
  });

  it("exits 2 naming --table and SQS_JOBS_LEDGER_TABLE when neither gives a table", async () => {
    const run = await runCli(["jobs", "get", randomUUID()], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("pass --table NAME or set SQS_JOBS_LEDGER_TABLE");
  });

  it("exits 1 naming the table and where it came from when it does not exist", async () => {
    const run = await runCli(["jobs", "get", randomUUID(), "--table", "no-such-ledger-7c2e"], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the ledger table "no-such-ledger-7c2e" (from --table) does not exist');
    expect(run.stderr).toContain("ERR_CONFIG");
  });
});

describe("sqs-jobs jobs list", () => {
  it("lists a queue's jobs of every status newest first; --status and --limit narrow it", async () => {
    // Given five jobs of one queue, in four statuses, and one job of another queue
    const ledger = await newLedger();
    const queued = await seed(ledger, "reports", "build-report");
    const succeeded = await seed(ledger, "reports", "build-report", {
      status: "succeeded",
      resultJson: "{}",
    });
    const retrying = await seed(ledger, "reports", "a-job-with-a-long-name", {
      status: "retrying",
      failure: FLAKY,
    });
    const dead = await seed(ledger, "reports", "build-report", { status: "dead", failure: EXHAUSTED });
    const queuedLast = await seed(ledger, "reports", "build-report");
    await seed(ledger, "other", "build-report");
    const url = "http://127.0.0.1:4566/000000000000/reports";

    // When all are listed by the queue's URL, as a table
    const table = await runCli(["jobs", "list", "--queue", url, "--table", ledger.tableName], { env });

    // Then every job of the queue shows, newest first, the dead one with its reason, in 80 columns
    expect(table.stderr).toBe("");
    expect(table.code).toBe(0);
    expect(widest(table.stdout)).toBeLessThanOrEqual(80);
    const [header, ...rows] = table.stdout.trimEnd().split("\n");
    expect(header?.split(/\s{2,}/)).toEqual(["JOB ID", "JOB", "STATUS", "ATTEMPTS", "UPDATED"]);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual([queuedLast, dead, retrying, succeeded, queued]);
    expect(rows[1]).toMatch(/ dead\/exhausted +1 +\d+s ago$/);
    expect(rows[2]).toContain(" a-job-…");

    // When only dead and retrying jobs are asked for, as JSON
    const some = await runCli(
      [
        "jobs",
        "list",
        "--queue",
        "reports",
        "--status",
        "dead,retrying",
        "--table",
        ledger.tableName,
        "--json",
      ],
      { env },
    );
    expect(some.code).toBe(0);
    const listed = JSON.parse(some.stdout);
    expect(listed.statuses).toEqual(["dead", "retrying"]);
    expect(listed.jobs).toMatchObject([
      { jobId: dead, status: "dead", attempts: 1, reason: "exhausted" },
      { jobId: retrying, status: "retrying", attempts: 1, jobName: "a-job-with-a-long-name" },
    ]);

    // When the limit is 2: the two newest
    const two = await runCli(
      ["jobs", "list", "--queue", "reports", "--limit", "2", "--table", ledger.tableName, "--json"],
      { env },
    );
    expect(JSON.parse(two.stdout).jobs.map((j: { jobId: string }) => j.jobId)).toEqual([queuedLast, dead]);
  });

  it("says so when a queue has no jobs in the asked statuses", async () => {
    const ledger = await newLedger();
    await seed(ledger, "reports", "build-report");
    const run = await runCli(
      ["jobs", "list", "--queue", "reports", "--status", "dead", "--table", ledger.tableName],
      { env },
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe("no dead jobs of reports in the ledger");
  });
});
