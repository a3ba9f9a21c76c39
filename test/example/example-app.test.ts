import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS_TOPIC } from "../../handlers/env.ts";
import { analyseText, buildReport, reportReady, sendEmail } from "../../handlers/jobs.ts";
import { JobClient } from "../../src/index.ts";
import { parseScheduleExpression } from "../../src/schedule/expression.ts";
import { type DevEvent, startTestApp, type TestApp } from "../../tools/src/testing/index.ts";

/**
 * The example app's own tests, written as a user writes them with `sqs-jobs-tools/testing`: the CDK app
 * (cdk/app.ts) synthesized once and cached, its bundled consumers run as `sqs-jobs dev` runs them.
 */
let app: TestApp;
let s3: S3Client;
const events: DevEvent[] = [];

beforeAll(async () => {
  app = await startTestApp({
    cdk: { seed: [{ bucket: "Bucket", dir: "handlers/seed" }], onEvent: (e) => events.push(e) },
  });
  s3 = new S3Client({ ...app.aws, forcePathStyle: true });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await app?.stop();
});

async function readObject(key: string): Promise<string | undefined> {
  // The example's bucket, not the reports queue's payload bucket
  const bucket = app.buckets.find((b) => b.logicalId.startsWith("Bucket"))?.name;
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body?.transformToString();
}

describe("the example app", () => {
  it("builds a report: the ledger has its typed result, the bucket the report", async () => {
    const sent = await app.send(buildReport, { inputKey: "inputs/sample.txt", topWords: 1 });
    await app.drain();
    const state = await app.job(sent);
    expect(state).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(state?.result).toEqual({
      reportKey: `reports/${sent.jobId}.json`,
      lines: 3,
      words: expect.any(Number),
    });
    const report = JSON.parse((await readObject(state?.result?.reportKey ?? "")) ?? "{}");
    expect(report).toMatchObject({ lines: 3, topWords: [{ word: "the", count: 7 }] });
    // What the function printed reaches onEvent, as `sqs-jobs dev` shows it
    expect(events).toContainEqual(
      expect.objectContaining({ type: "log", line: expect.stringContaining(`"jobId":"${sent.jobId}"`) }),
    );
    // And report.ready reached the audit queue, whose consumer recorded it; the 3-line sample is
    // too short for the digest queue's filter (1,000 words or more), so nothing reached it
    const audit = JSON.parse((await readObject(`audit/${sent.jobId}.json`)) ?? "{}");
    expect(audit).toMatchObject({
      reportKey: `reports/${sent.jobId}.json`,
      jobId: expect.stringMatching(/^report-audit:/),
    });
    await expect(readObject(`digests/${sent.jobId}.json`)).rejects.toMatchObject({ name: "NoSuchKey" });
  });

  it("publishes report.ready from the test to the app's events topic: a long report reaches both queues", async () => {
    // Given the app's topic, as JobTopic named it
    const events = app.topics.find((t) => t.jobTopic === EVENTS_TOPIC);
    expect(events?.arn).toMatch(/^arn:aws:sns:/);
    // When a test publishes an event of a report long enough for the digest's filter
    const sns = new SNSClient(app.aws);
    const client = new JobClient({ topicArn: events?.arn, sns, ledger: false });
    await client.publish(reportReady, { reportKey: "reports/published-by-test.json", words: 5_000 });
    await app.drain();
    sns.destroy();
    // Then both subscribed queues' consumers recorded it
    for (const prefix of ["audit", "digests"]) {
      expect(JSON.parse((await readObject(`${prefix}/published-by-test.json`)) ?? "{}")).toMatchObject({
        reportKey: "reports/published-by-test.json",
        words: 5_000,
      });
    }
  });

  it("analyses a 3 MiB text sent in the job: it travels through the queue's payload bucket, deleted once done", async () => {
    const text = "the quick brown fox\n".repeat(3 * 1024 * 52);
    const sent = await app.send(analyseText, { name: "big.txt", text, topWords: 1 });
    await app.drain();
    const state = await app.job(sent);
    expect(state).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(state?.result).toMatchObject({ lines: 3 * 1024 * 52, words: 4 * 3 * 1024 * 52 });
    // 3 MiB could only be sent through the bucket; its object went once the job succeeded
    const payloads = app.buckets.find((b) => b.logicalId.startsWith("ReportsPayloads"));
    const key = `sqs-jobs/analyse-text/${sent.jobId}.json`;
    await expect(s3.send(new GetObjectCommand({ Bucket: payloads?.name, Key: key }))).rejects.toMatchObject({
      name: "NoSuchKey",
    });
  });

  it("dead-letters a report whose input does not exist, with the handler's reason", async () => {
    const sent = await app.send(buildReport, { inputKey: "inputs/missing.txt" });
    await app.drain();
    const dead = (await app.dlq("reports")).find((d) => d.jobId === sent.jobId);
    expect(dead).toMatchObject({
      jobName: "build-report",
      reason: "permanent",
      error: { name: "PermanentError", message: "the input object does not exist" },
      attempts: 1,
      payload: { inputKey: "inputs/missing.txt" },
    });
    expect(await app.job(sent)).toMatchObject({ status: "dead" });
  });

  it("dead-letters a poison message (a job this queue does not know) at once", async () => {
    const reports = app.queues.find((q) => q.name === "reports");
    const sqs = new SQSClient({ ...app.aws });
    const body = JSON.stringify({ sqsJobs: 1, job: "no-such-job", id: "poison-1", payload: {} });
    await sqs.send(new SendMessageCommand({ QueueUrl: reports?.url, MessageBody: body }));
    sqs.destroy();
    await app.drain();
    expect((await app.dlq("reports")).find((d) => d.jobId === "poison-1")).toMatchObject({
      reason: "poison",
      error: { name: "SqsJobsError", message: expect.stringContaining('no handler for job "no-such-job"') },
    });
  });

  it("sends an email for later (a one-time schedule on the FIFO queue) when advanceTime reaches it", async () => {
    const inTwoHours = new Date(app.now().getTime() + 2 * 3_600_000);
    const email = { to: "ana@example.com", subject: "Your report", body: "It is ready." };
    const sent = await app.send(sendEmail, email, { at: inTwoHours });
    await app.drain();
    expect(await app.job(sent)).toMatchObject({ status: "queued" });

    await app.advanceTime(2 * 3_600_000);
    await app.drain();
    expect(await app.job(sent)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(JSON.parse((await readObject(`outbox/${sent.jobId}.json`)) ?? "{}")).toMatchObject(email);
  });

  it("runs the nightly report when advanceTime reaches 03:00 in Berlin", async () => {
    const [next] = parseScheduleExpression("cron(0 3 * * ? *)", { timezone: "Europe/Berlin" }).nextFireTimes(
      app.now(),
      1,
    );
    const due = next as Date;
    await app.advanceTime(due.getTime() - app.now().getTime() + 1_000);
    await app.drain();
    const runId = `reports:NightlyReport@${due.toISOString().replace(/\.\d{3}Z$/, "Z")}`;
    expect(await app.job(runId)).toMatchObject({
      jobName: "build-report",
      status: "succeeded",
      result: { reportKey: `reports/${runId}.json`, lines: 3 },
    });
  });
});
