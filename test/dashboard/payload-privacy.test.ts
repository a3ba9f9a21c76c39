import { randomUUID } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../src/ledger/ledger.ts";
import { type RunningDashboard, startDashboard } from "../../tools/src/dashboard/server.ts";
import { queueWithDlq } from "../cli/dlq-fixtures.ts";
import { createLedgerTable, testDynamoDb } from "../helpers/ledger-table.ts";
import { testSqs } from "../helpers/sqs.ts";
import { call } from "./dashboard-client.ts";

const sqs = testSqs();
const dynamodb = testDynamoDb();
const prefix = `dash-priv-${randomUUID().slice(0, 6)}`;
let dash: RunningDashboard;
let readOnly: RunningDashboard;
let ledger: Ledger;

beforeAll(async () => {
  const tableName = await createLedgerTable(dynamodb, "dash-priv");
  ledger = new Ledger({ client: dynamodb, tableName, retentionDays: 14 });
  const common = {
    sqs,
    dynamodb: async () => dynamodb,
    ledgerTable: tableName,
    target: { endpoint: null, region: "us-east-1" },
    version: "0",
    port: 0,
    prefix,
  };
  dash = await startDashboard(common);
  readOnly = await startDashboard({ ...common, readOnly: true });
});

afterAll(async () => {
  await dash?.close();
  await readOnly?.close();
  sqs.destroy();
  dynamodb.destroy();
});

const envelope = (secret: string) =>
  JSON.stringify({ sqsJobs: 1, job: "send-email", id: randomUUID(), payload: { to: secret } });
const sns = (message: string) =>
  JSON.stringify({
    Type: "Notification",
    MessageId: randomUUID(),
    TopicArn: "arn:aws:sns:us-east-1:000000000000:jobs",
    Message: message,
    Timestamp: new Date().toISOString(),
  });

/** Every body format a DLQ may hold, each carrying its own secret (and how it shows in the body). */
function bodies(): { format: string; body: string; secret: string }[] {
  const s = () => `secret-${randomUUID()}`;
  const inBase64 = s();
  const rows = [
    { format: "envelope", secret: s(), make: envelope },
    { format: "sns-wrapped envelope", secret: s(), make: (x: string) => sns(envelope(x)) },
    { format: "sns-wrapped raw text", secret: s(), make: (x: string) => sns(`order for ${x}`) },
    {
      format: "foreign JSON object",
      secret: s(),
      make: (x: string) => JSON.stringify({ job: x, id: x, email: x, payload: x }),
    },
    {
      format: "envelope with unknown fields",
      secret: s(),
      make: (x: string) => JSON.stringify({ sqsJobs: 1, job: "a", payload: 1, extra: x }),
    },
    { format: "non-JSON text", secret: s(), make: (x: string) => `to=${x}&n=1` },
    { format: "JSON array", secret: s(), make: (x: string) => JSON.stringify([x, 1]) },
    { format: "JSON string", secret: s(), make: (x: string) => JSON.stringify(x) },
    {
      format: "S3 pointer",
      secret: s(),
      make: (x: string) =>
        JSON.stringify([
          "software.amazon.payloadoffloading.PayloadS3Pointer",
          { s3BucketName: "b", s3Key: x },
        ]),
    },
  ];
  const out = rows.map((r) => ({ format: r.format, body: r.make(r.secret), secret: r.secret }));
  const base64 = Buffer.from(JSON.stringify({ to: inBase64 })).toString("base64");
  out.push({ format: "base64", body: base64, secret: base64 });
  return out;
}

describe("payloads and results are never shown without the token", () => {
  it("hides every DLQ body format from the list and the detail without the token, in both modes", async () => {
    // Given a DLQ holding one message of each format
    const q = await queueWithDlq(sqs, `${prefix}-formats`);
    const seeded = bodies();
    for (const b of seeded)
      await sqs.send(new SendMessageCommand({ QueueUrl: q.dlqUrl, MessageBody: b.body }));

    // When the list and each message are read without the token, and on the read-only dashboard
    // with it; then each payload with the token
    const list = await call(dash.origin, "GET", `api/queues/${q.name}/dlq`);
    expect(list.json.records).toHaveLength(seeded.length);
    const ids: string[] = list.json.records.map((r: { messageId: string }) => r.messageId);
    const hidden = [list, await call(readOnly.origin, "GET", `api/queues/${q.name}/dlq`)];
    const shown: string[] = [];
    for (const id of ids) {
      const path = `api/queues/${q.name}/dlq/${id}`;
      hidden.push(await call(dash.origin, "GET", path));
      hidden.push(await call(dash.origin, "GET", `${path}?payload=1`));
      hidden.push(await call(readOnly.origin, "GET", path, { token: readOnly.token }));
      hidden.push(await call(readOnly.origin, "GET", `${path}?payload=1`, { token: readOnly.token }));
      const withToken = await call(dash.origin, "GET", `${path}?payload=1`, { token: dash.token });
      expect(withToken.status).toBe(200);
      shown.push(withToken.text);
    }

    // Then no answer without the token holds any secret; with it, every secret shows (so each could leak)
    for (const answer of hidden) {
      for (const b of seeded) expect([b.format, answer.text.includes(b.secret)]).toEqual([b.format, false]);
    }
    for (const b of seeded) {
      expect([b.format, shown.some((text) => text.includes(b.secret))]).toEqual([b.format, true]);
    }
  });

  it("a DLQ filter reads only what the list shows: a foreign body's fields are payload, never matched", async () => {
    // Given a DLQ holding a foreign JSON body whose "job" field is someone's data
    const q = await queueWithDlq(sqs, `${prefix}-filter`);
    const secret = `secret-${randomUUID()}`;
    const body = JSON.stringify({ job: secret, id: secret, total: 1 });
    await sqs.send(new SendMessageCommand({ QueueUrl: q.dlqUrl, MessageBody: body }));
    const everything = await call(dash.origin, "GET", `api/queues/${q.name}/dlq`);
    expect(everything.json.records).toMatchObject([{ jobName: null, jobId: null }]);

    // When a reader without the token filters by a guess of that field
    const guess = `api/queues/${q.name}/dlq?job=${encodeURIComponent(secret)}`;
    const answers = [await call(dash.origin, "GET", guess), await call(readOnly.origin, "GET", guess)];

    // Then the guess matches nothing: the filter is no oracle on the body
    for (const answer of answers) expect(answer.json.records).toEqual([]);
  });

  it("shows an SNS-wrapped envelope's fields but not its payload, and says what a foreign body is", async () => {
    const q = await queueWithDlq(sqs, `${prefix}-sns`);
    const jobId = randomUUID();
    const inner = JSON.stringify({ sqsJobs: 1, job: "send-email", id: jobId, payload: { to: "x" } });
    await sqs.send(new SendMessageCommand({ QueueUrl: q.dlqUrl, MessageBody: sns(inner) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: q.dlqUrl, MessageBody: "plain text" }));
    const list = await call(dash.origin, "GET", `api/queues/${q.name}/dlq`);
    const byJob = new Map(
      list.json.records.map((r: { jobId: string | null; messageId: string }) => [r.jobId, r.messageId]),
    );

    const wrapped = await call(dash.origin, "GET", `api/queues/${q.name}/dlq/${byJob.get(jobId)}`);
    const text = await call(dash.origin, "GET", `api/queues/${q.name}/dlq/${byJob.get(null)}`);

    expect(wrapped.json).toMatchObject({
      format: "sns-envelope",
      envelope: { sqsJobs: 1, job: "send-email", id: jobId },
      payload: null,
      payloadShown: false,
    });
    expect(text.json).toMatchObject({ format: "text", bytes: 10, envelope: null, payload: null });
  });

  it("answers a job's result only with the token, never on a read-only dashboard", async () => {
    // Given a job that succeeded with a result holding a secret
    const secret = `secret-${randomUUID()}`;
    const jobId = randomUUID();
    await ledger.recordQueued([{ jobId, job: "build-report", queue: `${prefix}-q`, payloadHash: "h" }]);
    const runToken = randomUUID();
    await ledger.claim({
      jobId,
      job: "build-report",
      queue: `${prefix}-q`,
      runToken,
      leaseMs: 60_000,
      payloadHash: "h",
      redriven: false,
    });
    await ledger.finish(jobId, `${prefix}-q`, runToken, {
      status: "succeeded",
      resultJson: JSON.stringify({ owner: secret }),
    });

    // When the job is read without the token, asking for the result without it, on the read-only
    // dashboard with it, and with it
    const plain = await call(dash.origin, "GET", `api/jobs/${jobId}`);
    const askedNoToken = await call(dash.origin, "GET", `api/jobs/${jobId}?result=1`);
    const readOnlyAsked = await call(readOnly.origin, "GET", `api/jobs/${jobId}?result=1`, {
      token: readOnly.token,
    });
    const readOnlyPlain = await call(readOnly.origin, "GET", `api/jobs/${jobId}`, { token: readOnly.token });
    const withToken = await call(dash.origin, "GET", `api/jobs/${jobId}?result=1`, { token: dash.token });

    // Then only the last shows the result
    expect(plain.json).toMatchObject({ jobId, status: "succeeded", result: null, resultShown: false });
    for (const answer of [plain, askedNoToken, readOnlyAsked, readOnlyPlain]) {
      expect(answer.text).not.toContain(secret);
    }
    expect([askedNoToken.status, askedNoToken.json.error.code]).toEqual([401, "TOKEN_REQUIRED"]);
    expect([readOnlyAsked.status, readOnlyAsked.json.error.code]).toEqual([403, "READ_ONLY"]);
    expect(withToken.json).toMatchObject({ result: { owner: secret }, resultShown: true });
  });
});
