import { randomUUID } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { queueDepth, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";
import { POISON, queueWithDlq, seedDeadLetter, TIMEOUT } from "./dlq-fixtures.ts";
import { runCli, widest } from "./run-cli.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());
const { newLedger } = ledgerFixture();

describe("sqs-jobs dlq peek", () => {
  it("shows each dead-lettered job with its reason and leaves every message in the DLQ", async () => {
    // Given a DLQ holding a timed-out job and a poison one
    const q = await queueWithDlq(sqs, "peek");
    const timeoutId = await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    await seedDeadLetter(sqs, q.dlqUrl, q.url, POISON);

    // When peek runs on the source queue
    const run = await runCli(["dlq", "peek", q.name]);

    // Then both jobs show with reason kind, attempts, last failure, error name and message
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`build-report  ${timeoutId}`);
    expect(run.stdout).toContain("exhausted, 5 attempts, last 2026-11-23T10:05:00.000Z");
    expect(run.stdout).toContain("JobTimeoutError: job build-report timed out after 30 s");
    expect(run.stdout).toContain("poison, 1 attempt,");
    expect(run.stdout).toContain('ValidationError: payload for job "send-email" is invalid');
    expect(widest(run.stdout)).toBeLessThanOrEqual(80);

    // And nothing was consumed: both are visible again at once
    expect(await queueDepth(sqs, q.dlqUrl)).toMatchObject({ visible: 2, inFlight: 0 });
  });

  it("prints full records with --json when the DLQ itself is named, up to --limit", async () => {
    // Given a DLQ with three dead jobs
    const q = await queueWithDlq(sqs, "peek-json");
    for (let i = 0; i < 3; i++) await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);

    // When peek names the DLQ, limited to 2, as JSON
    const run = await runCli(["dlq", "peek", q.dlqUrl, "--limit", "2", "--json"]);

    // Then two full records come back with body, attributes and reasons
    expect(run.code).toBe(0);
    const { records } = JSON.parse(run.stdout);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      jobName: "build-report",
      reason: "exhausted",
      errorName: "JobTimeoutError",
      attempts: 5,
      sourceQueue: q.url,
      messageAttributes: { "sqs-jobs.attempts": { dataType: "Number", value: "5" } },
    });
    expect(JSON.parse(records[0].body)).toMatchObject({ sqsJobs: 1, job: "build-report" });
    expect(await queueDepth(sqs, q.dlqUrl)).toMatchObject({ visible: 3, inFlight: 0 });
  });

  it("shows why from the job ledger for a job SQS's redrive policy moved (too large to carry its reason)", async () => {
    // Given a dead job in the ledger whose message SQS moved to the DLQ without a reason
    const q = await queueWithDlq(sqs, "peek-ledger");
    const ledger = await newLedger();
    const jobId = randomUUID();
    const queue = q.name;
    await ledger.recordQueued([{ jobId, job: "big", queue, payloadHash: "h" }]);
    const run = {
      jobId,
      job: "big",
      queue,
      runToken: "r",
      leaseMs: 60_000,
      payloadHash: "h",
      redriven: false,
    };
    expect(await ledger.claim(run)).toMatchObject({ kind: "claimed" });
    const failure = { reason: "exhausted" as const, name: "TypeError", message: "boom", code: undefined };
    expect(await ledger.finish(jobId, queue, "r", { status: "dead", failure })).toBe(true);
    const body = JSON.stringify({
      sqsJobs: 1,
      job: "big",
      id: jobId,
      enqueuedAt: new Date().toISOString(),
      payload: {},
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: q.dlqUrl, MessageBody: body }));

    // When peek runs with the ledger's table, as text and as JSON
    const text = await runCli(["dlq", "peek", q.name, "--table", ledger.tableName]);
    const json = await runCli(["dlq", "peek", q.name, "--table", ledger.tableName, "--json"]);

    // Then it shows the ledger's reason and error, saying where they come from
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`big  ${jobId}`);
    expect(text.stdout).toContain("exhausted (from the job ledger: moved by SQS), 1 attempt");
    expect(text.stdout).toContain("TypeError: boom");
    expect(JSON.parse(json.stdout).records[0]).toMatchObject({
      jobId,
      reason: "exhausted",
      reasonFrom: "ledger",
      errorName: "TypeError",
      errorMessage: "boom",
      attempts: 1,
    });
  });
});
