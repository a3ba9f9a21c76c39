import { resolve } from "node:path";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS_TOPIC } from "../../handlers/env.ts";
import { buildReport, sendEmail } from "../../handlers/jobs.ts";
import { topicArnEnvVar } from "../../src/core/env.ts";
import { JobClient } from "../../src/index.ts";
import { LEDGER_TABLE_ENV, LIST_INDEX } from "../../src/ledger/table-layout.ts";
import { parseScheduleExpression } from "../../src/schedule/expression.ts";
import { cachedAssembly } from "../../tools/src/testing/assembly-cache.ts";
import { type RunningCli, runCli, startCli } from "../cli/run-cli.ts";
import { eventually } from "../helpers/eventually.ts";
import { queueDepth } from "../helpers/sqs.ts";

/**
 * The whole product on one machine: `sqs-jobs dev` runs the example CDK app (real bundles of
 * handlers/), jobs go in with JobClient, and the other commands watch, redrive and pause it.
 */
let outDir: string;
let dev: RunningCli;
let endpoint: string;
let sqs: SQSClient;
let s3: S3Client;
let bucket: string;
let ready: {
  endpoint: string;
  tables: { name: string }[];
  environment: Record<string, string>;
  functions: { name: string; eventSources: { queueArn: string }[] }[];
};
let dynamodb: DynamoDBClient;
/** The producer side of the app's job ledger, as the API function has it. */
const ledger = () => ({ tableName: ready.environment[LEDGER_TABLE_ENV] ?? "", dynamodb });

const cli = (...args: string[]) => runCli(args, { env: { AWS_ENDPOINT_URL: endpoint } });

async function queueUrl(name: string): Promise<string> {
  return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? "";
}

async function readObject(key: string): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body?.transformToString();
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  // The testing kit's cached synth of cdk/app.ts: synthesized once for this file and
  // test/example/ (which start together), and not again until the app or a handler changes.
  const assembly = await cachedAssembly({
    cwd: process.cwd(),
    app: undefined,
    cacheDir: ".sqs-jobs/testing",
  });
  outDir = assembly.dir;
  // As `npm start` runs it: the example's bucket seeded with handlers/seed (inputs/sample.txt)
  dev = startCli([
    "dev",
    "--port",
    "0",
    "--app",
    resolve(outDir),
    "--json",
    "--seed",
    "Bucket=handlers/seed",
  ]);
  ready = (await dev.firstJson) as typeof ready;
  endpoint = ready.endpoint;
  const client = { endpoint, region: "us-east-1", credentials: { accessKeyId: "t", secretAccessKey: "t" } };
  sqs = new SQSClient({ ...client, useQueueUrlAsEndpoint: false });
  s3 = new S3Client({ ...client, forcePathStyle: true });
  dynamodb = new DynamoDBClient(client);
  const buckets = await s3.send(new ListBucketsCommand({}));
  // The example's bucket, not the reports queue's payload bucket (docs/payloads.md)
  bucket = buckets.Buckets?.find((b) => !/payloads/i.test(b.Name ?? ""))?.Name ?? "";
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  s3?.destroy();
  dynamodb?.destroy();
  // SIGINT, not SIGKILL: a stopped stack removes the copies of its functions' code.
  await dev?.stop("SIGINT");
});

/** The dev stack's scheduler clock (moved by earlier tests), read through a zero advance. */
async function localNow(): Promise<number> {
  const out = await fetch(`${endpoint}/_sqs-jobs/clock/advance`, { method: "POST", body: '{"ms":0}' });
  const body = (await out.json()) as { now?: string };
  return body.now === undefined ? Date.now() : Date.parse(body.now);
}

describe("the example app under sqs-jobs dev", () => {
  it("names its events topic in the producer variables, as JobClient({ topic }) reads them", async () => {
    const arn = ready.environment[topicArnEnvVar(EVENTS_TOPIC)] ?? "";
    expect(arn).toMatch(/^arn:aws:sns:us-east-1:000000000000:/);
    const sns = new SNSClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    });
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
    sns.destroy();
    expect(Attributes?.TopicArn).toBe(arn);
  });

  it("has its job ledger's table locally, named in the producer variables", async () => {
    expect(ready.tables).toHaveLength(1);
    const name = ready.tables[0]?.name ?? "";
    expect(ready.environment[LEDGER_TABLE_ENV]).toBe(name);
    const dynamodb = new DynamoDBClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    });
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    dynamodb.destroy();
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual([LIST_INDEX]);
  });

  it("runs a report job end to end on the seeded input: JobClient -> queue -> bundled consumer -> report", async () => {
    // Given the input the quick start names, put there by --seed, and a producer
    expect(await readObject("inputs/sample.txt")).toMatch(/^The quick brown fox/);
    const jobs = new JobClient({ queueUrl: await queueUrl("reports"), sqs });
    // When the quick start's job is sent
    const { jobId } = await jobs.send(buildReport, { inputKey: "inputs/sample.txt", topWords: 2 });
    // Then the consumer stores its report under the job id
    const report = await eventually(
      () => readObject(`reports/${jobId}.json`),
      (r) => r !== undefined,
    );
    expect(JSON.parse(report ?? "{}")).toMatchObject({
      inputKey: "inputs/sample.txt",
      lines: 3,
      topWords: [
        { word: "the", count: 7 },
        { word: "dog", count: 2 },
      ],
    });
  }, 40_000);

  it("a producer waits for a report's result from the ledger, and calls the consumer for a preview", async () => {
    const jobs = new JobClient({ queueUrl: await queueUrl("reports"), sqs, ledger: ledger() });
    const sent = await jobs.send(buildReport, { inputKey: "inputs/sample.txt" });
    const result = await sent.waitFor({ timeoutMs: 30_000 });
    expect(result).toEqual({ reportKey: `reports/${sent.jobId}.json`, lines: 3, words: expect.any(Number) });
    expect(await jobs.getJob(buildReport, sent.jobId)).toMatchObject({ status: "succeeded", attempts: 1 });

    const reportsArn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: await queueUrl("reports"), AttributeNames: ["QueueArn"] }),
      )
    ).Attributes?.QueueArn;
    const consumer = ready.functions.find((f) => f.eventSources.some((e) => e.queueArn === reportsArn));
    const lambda = new LambdaClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
      maxAttempts: 1,
    });
    const caller = new JobClient({
      queueUrl: await queueUrl("reports"),
      sqs,
      ledger: false,
      lambda,
      functionName: consumer?.name ?? "",
    });
    const preview = await caller.call(buildReport, { inputKey: "inputs/sample.txt" });
    expect(preview).toMatchObject({ lines: 3, words: result.words });
    const failed = await caller.call(buildReport, { inputKey: "inputs/none.txt" }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: "ERR_JOB_DEAD", failure: { name: "PermanentError" } });
    // A called job is a job: the local consumer tracks it in the ledger as it would a queued one
    const calledId = (failed as { jobId: string }).jobId;
    expect(await jobs.getJob(buildReport, calledId)).toMatchObject({ status: "dead", attempts: 1 });
    lambda.destroy();
  }, 60_000);

  it("fires the nightly report schedule on time: the run is recorded under its queue, the schedule's name and the time", async () => {
    // Given the app's NightlyReport schedule (03:00 Europe/Berlin), and the local clock moved to it
    const [next] = parseScheduleExpression("cron(0 3 * * ? *)", { timezone: "Europe/Berlin" }).nextFireTimes(
      new Date(await localNow()),
      1,
    );
    const moved = await fetch(`${endpoint}/_sqs-jobs/clock/advance`, {
      method: "POST",
      body: JSON.stringify({ ms: (next as Date).getTime() - (await localNow()) + 1_000 }),
    });
    expect(moved.status).toBe(200);
    // Then that run's report is built, under the job id "<queue>:<schedule>@<scheduled time>"
    const jobs = new JobClient({ queueUrl: await queueUrl("reports"), sqs, ledger: ledger() });
    const runId = `reports:NightlyReport@${(next as Date).toISOString().replace(/\.\d{3}Z$/, "Z")}`;
    const state = await eventually(
      () => jobs.getJob(buildReport, runId),
      (s) => s?.status === "succeeded",
    );
    expect(state).toMatchObject({
      status: "succeeded",
      result: { reportKey: `reports/${runId}.json`, lines: 3 },
    });
  }, 60_000);

  it("shows a failed job in dlq peek with its reason, and dlq redrive brings it back to succeed", async () => {
    // Given a report job whose input does not exist yet (the handler throws PermanentError)
    const jobs = new JobClient({ queueUrl: await queueUrl("reports"), sqs });
    const { jobId } = await jobs.send(buildReport, { inputKey: "inputs/late.txt" });
    const dlq = await queueUrl("reports-dlq");
    await eventually(
      () => queueDepth(sqs, dlq),
      (d) => d.visible === 1,
    );
    // Then peek shows why, without consuming it
    const peek = await cli("dlq", "peek", "reports");
    expect(peek.code).toBe(0);
    expect(peek.stdout).toContain(jobId);
    expect(peek.stdout).toMatch(/permanent/);
    expect(peek.stdout).toContain("PermanentError");
    expect(peek.stdout).toContain("the input object does not exist");
    expect((await queueDepth(sqs, dlq)).visible).toBe(1);
    // When the input arrives and the DLQ is redriven
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "inputs/late.txt", Body: "finally\n" }));
    const redrive = await cli("dlq", "redrive", "reports");
    expect(redrive.code).toBe(0);
    // Then the job runs again and succeeds
    const report = await eventually(
      () => readObject(`reports/${jobId}.json`),
      (r) => r !== undefined,
    );
    expect(report).toBeDefined();
    expect(await queueDepth(sqs, dlq)).toMatchObject({ visible: 0, inFlight: 0 });
  }, 60_000);

  it("pause stops consumption without losing jobs, resume restarts it, status shows both", async () => {
    const email = await queueUrl("email.fifo");
    expect((await cli("pause", "email.fifo")).code).toBe(0);
    const status = await cli("status", "email.fifo");
    expect(status.stdout).toMatch(/email\.fifo\s+0\s+0\s+0\s+\S+\s+0\s+off/);

    const jobs = new JobClient({ queueUrl: email, sqs, ledger: ledger() });
    await jobs.send(sendEmail, { to: "ana@example.com", subject: "hello", body: "one" });
    const two = await jobs.send(sendEmail, { to: "ana@example.com", subject: "hello again", body: "two" });
    // The same recipient and subject again within the hour: unique, so nothing more is sent
    const again = await jobs.send(sendEmail, { to: "ana@example.com", subject: "hello again", body: "2" });
    expect(again).toMatchObject({ deduplicated: true, jobId: two.jobId });
    // A report job sent after them, on the consumer that is not paused, runs to its end: the
    // email consumer had that time too, and took nothing
    const reports = new JobClient({ queueUrl: await queueUrl("reports"), sqs });
    const { jobId } = await reports.send(buildReport, { inputKey: "inputs/sample.txt" });
    const control = await eventually(
      () => readObject(`reports/${jobId}.json`),
      (r) => r !== undefined,
    );
    expect(control).toBeDefined();
    expect(await queueDepth(sqs, email)).toMatchObject({ visible: 2, inFlight: 0 });
    const paused = await cli("status", "email.fifo");
    expect(paused.stdout).toMatch(/email\.fifo\s+2\s+0\s+0/);

    expect((await cli("resume", "email.fifo")).code).toBe(0);
    const drained = await eventually(
      () => queueDepth(sqs, email),
      (d) => d.visible === 0 && d.inFlight === 0,
    );
    expect(drained).toMatchObject({ visible: 0, inFlight: 0 });
    expect((await cli("status", "email.fifo")).stdout).toMatch(/email\.fifo\s+0\s+0\s+0\s+\S+\s+0\s+on/);
  }, 60_000);
});
