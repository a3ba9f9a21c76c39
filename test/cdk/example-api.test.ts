import { CreateBucketCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { LEDGER_TABLE_ENV } from "../../src/ledger/table-layout.ts";
import { createLedgerTable, testDynamoDb } from "../helpers/ledger-table.ts";
import { createTestQueue, testSqs } from "../helpers/sqs.ts";

/** The example's producer function, wired as JobQueue's grants wire it, against the test rig. */
let handler: (event: LambdaFunctionURLEvent) => Promise<LambdaFunctionURLResult>;

beforeAll(async () => {
  const sqs = testSqs();
  process.env.SQS_JOBS_REPORTS_QUEUE_URL = await createTestQueue(sqs, "api-reports");
  process.env.SQS_JOBS_EMAIL_QUEUE_URL = await createTestQueue(sqs, "api-email", { fifo: true });
  process.env[LEDGER_TABLE_ENV] = await createLedgerTable(testDynamoDb(), "api-ledger");
  process.env.SQS_JOBS_EMAIL_SCHEDULER_ROLE_ARN = "arn:aws:iam::000000000000:role/scheduler";
  // The reports queue's payload bucket, as JobQueue({ payloads }) sets it on producers
  const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL as string, forcePathStyle: true });
  process.env.SQS_JOBS_REPORTS_PAYLOAD_BUCKET = `api-payloads-${process.pid}`;
  await s3.send(new CreateBucketCommand({ Bucket: process.env.SQS_JOBS_REPORTS_PAYLOAD_BUCKET }));
  s3.destroy();
  ({ handler } = await import("../../handlers/api.ts"));
});

function request(method: string, path: string, body?: unknown, query?: Record<string, string>) {
  return handler({
    rawPath: path,
    requestContext: { http: { method } },
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
    queryStringParameters: query,
  } as unknown as LambdaFunctionURLEvent).then((r) => {
    const { statusCode, body: text } = r as { statusCode?: number; body?: string };
    return { status: statusCode, body: JSON.parse(text ?? "{}") };
  });
}

describe("the example API (handlers/api.ts)", () => {
  it("sends a report job and reads its state from the ledger; refuses a bad body with its issues", async () => {
    const sent = await request("POST", "/reports", { inputKey: "inputs/a.txt" });
    expect(sent.status).toBe(202);
    const state = await request("GET", `/reports/${sent.body.jobId}`);
    expect(state).toMatchObject({ status: 200, body: { status: "queued", jobName: "build-report" } });
    const bad = await request("POST", "/reports", { inputKey: "elsewhere/a.txt" });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toEqual(["inputKey"]);
  });

  it("sends a 2 MiB text to analyse through the reports queue's payload bucket", async () => {
    const sent = await request("POST", "/reports/text", { name: "big.txt", text: "word ".repeat(420_000) });
    expect(sent).toMatchObject({ status: 202, body: { jobId: expect.any(String) } });
    const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL as string, forcePathStyle: true });
    const stored = await s3.send(
      new HeadObjectCommand({
        Bucket: process.env.SQS_JOBS_REPORTS_PAYLOAD_BUCKET,
        Key: `sqs-jobs/analyse-text/${sent.body.jobId}.json`,
      }),
    );
    s3.destroy();
    expect(stored.ContentLength).toBeGreaterThan(2_000_000);
  });

  it("sends one email per recipient and subject within the hour, and a reminder for tomorrow", async () => {
    const email = { to: "ana@example.com", subject: "Welcome", body: "hi" };
    const first = await request("POST", "/emails", email);
    const again = await request("POST", "/emails", email);
    expect(first).toMatchObject({ status: 202, body: { deduplicated: false } });
    expect(again).toMatchObject({ status: 202, body: { deduplicated: true, jobId: first.body.jobId } });

    const tomorrow = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const reminder = await request("POST", "/emails", { ...email, subject: "Reminder" }, { at: tomorrow });
    expect(reminder).toMatchObject({ status: 202, body: { scheduledAt: tomorrow } });
  });
});
