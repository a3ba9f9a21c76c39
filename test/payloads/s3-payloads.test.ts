import { randomUUID } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createSqsHandler,
  DLQ_ATTRIBUTES,
  defineJob,
  handle,
  JobClient,
  startWorker,
} from "../../src/index.ts";
import { startDashboard } from "../../tools/src/dashboard/server.ts";
import { runCli } from "../cli/run-cli.ts";
import { invokeLikeLambda, memoryLogger } from "../consumer/harness.ts";
import { call } from "../dashboard/dashboard-client.ts";
import { eventually } from "../helpers/eventually.ts";
import { createLedgerTable, testDynamoDb } from "../helpers/ledger-table.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";

/**
 * Payloads past one SQS message go through S3 in the SQS Extended Client's format
 * (docs/payloads.md): a 5 MiB job round trips on the worker and in Lambda, a message laid out by
 * that format's documentation (not by our writer) is read, ours matches the layout, and a
 * pointer to a missing object is dead-lettered at once with its reason.
 */
const sqs = testSqs();
const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL as string, forcePathStyle: true });
const bucket = `payloads-${randomUUID().slice(0, 8)}`;

const bigFile = defineJob({
  name: "big-file",
  schema: z.object({ name: z.string(), data: z.string() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 0 } },
});

const FIVE_MIB = 5 * 1024 * 1024;
const payload = { name: "five", data: "x".repeat(FIVE_MIB) };

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

async function queues(name: string) {
  const dlqUrl = await createTestQueue(sqs, `${name}-dlq`);
  const queueUrl = await createTestQueue(sqs, name, { attributes: { VisibilityTimeout: "30" } });
  return { queueUrl, dlqUrl, arn: await queueArn(sqs, queueUrl) };
}

/** A queue whose RedrivePolicy names its DLQ, as the DLQ tools find it. */
async function redrivenPair(name: string) {
  const dlqUrl = await createTestQueue(sqs, `${name}-dlq`);
  const redrive = { deadLetterTargetArn: await queueArn(sqs, dlqUrl), maxReceiveCount: 5 };
  const queueUrl = await createTestQueue(sqs, name, {
    attributes: { RedrivePolicy: JSON.stringify(redrive) },
  });
  return { queueUrl, dlqUrl };
}

/**
 * Reads one message without locking it (a visibility timeout of 0): a later receive, or a worker,
 * gets it again. Nothing is left to release, so a slow assertion in between cannot outlast a lock.
 */
async function receiveOne(queueUrl: string) {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      WaitTimeSeconds: 2,
      VisibilityTimeout: 0,
      MessageAttributeNames: ["All"],
      MessageSystemAttributeNames: ["All"],
    }),
  );
  const message = out.Messages?.[0];
  if (message === undefined) throw new Error("no message arrived");
  return message;
}

async function objectText(b: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
  return (await out.Body?.transformToString("utf8")) ?? "";
}

function runOne(queueUrl: string, dlqUrl: string, seen: { name: string; size: number }[]) {
  const { logger } = memoryLogger();
  return startWorker({
    queueUrl,
    sqs,
    dlqUrl,
    logger,
    waitTimeSeconds: 1,
    handleSignals: false,
    handlers: [handle(bigFile, (p) => void seen.push({ name: p.name, size: p.data.length }))],
  });
}

describe("payloads through S3", () => {
  it("worker: a 5 MiB job goes through S3 as an extended-client pointer and runs with its whole payload", async () => {
    // Given a client with a payload bucket
    const { queueUrl } = await queues("s3-pointer");
    const client = new JobClient({ queueUrl, sqs, payloads: { bucket } });
    // When it sends a 5 MiB job
    const sent = await client.send(bigFile, payload);
    // Then the message is the pointer the extended clients document, with the reserved attribute
    const message = await receiveOne(queueUrl);
    const body: unknown = JSON.parse(message.Body ?? "");
    expect(body).toEqual([
      "software.amazon.payloadoffloading.PayloadS3Pointer",
      { s3BucketName: bucket, s3Key: `sqs-jobs/big-file/${sent.jobId}.json` },
    ]);
    const stored = await objectText(bucket, `sqs-jobs/big-file/${sent.jobId}.json`);
    expect(message.MessageAttributes?.ExtendedPayloadSize).toEqual({
      DataType: "Number",
      StringValue: String(Buffer.byteLength(stored, "utf8")),
    });
    expect(JSON.parse(stored)).toMatchObject({ sqsJobs: 1, job: "big-file", id: sent.jobId, payload });

    // And a worker runs such a job (sent to a queue nobody else reads) with its whole payload
    const run = await queues("s3-worker");
    await new JobClient({ queueUrl: run.queueUrl, sqs, payloads: { bucket } }).send(bigFile, payload);
    const seen: { name: string; size: number }[] = [];
    const worker = runOne(run.queueUrl, run.dlqUrl, seen);
    await eventually(
      async () => seen.length,
      (n) => n >= 1,
      15_000,
    );
    await eventually(
      () => queueDepth(sqs, run.queueUrl),
      (d) => d.visible + d.inFlight === 0,
      10_000,
    );
    await worker.stop();
    // Without a ledger a worker runs what SQS delivers, at least once (docs/guarantees.md): a
    // second delivery is SQS's right, so every run is checked whole rather than counted.
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.every((s) => s.name === "five" && s.size === FIVE_MIB)).toBe(true);
  });

  it("Lambda: a 5 MiB job sent with sendBatch runs in the handler with its whole payload", async () => {
    // Given a 5 MiB job and a small one sent in one batch through a client with a bucket
    const { queueUrl, dlqUrl, arn } = await queues("s3-lambda");
    const client = new JobClient({ queueUrl, sqs, payloads: { bucket } });
    const result = await client.sendBatch(bigFile, [payload, { name: "small", data: "y" }]);
    expect(result.failed).toBe(0);
    // When Lambda invokes the handler with both
    const seen: { name: string; size: number }[] = [];
    const handler = createSqsHandler(
      [handle(bigFile, (p) => void seen.push({ name: p.name, size: p.data.length }))],
      { sqs, dlqUrl, metrics: false, logger: memoryLogger().logger },
    );
    const { event, response } = await invokeLikeLambda(sqs, queueUrl, arn, handler, { expect: 2 });
    // Then only the large one travelled as a pointer, and both ran whole
    expect(event.Records.filter((r) => r.body.startsWith("["))).toHaveLength(1);
    expect(response.batchItemFailures).toEqual([]);
    expect(seen.sort((a, b) => a.size - b.size)).toEqual([
      { name: "small", size: 1 },
      { name: "five", size: FIVE_MIB },
    ]);
  });

  it("reads a message laid out as the extended clients document it, legacy attribute and spaces included", async () => {
    // Given an object and a pointer message written by hand from the format's documentation
    // (Python's json.dumps puts a space after each separator; the Java 1.x attribute name)
    const { queueUrl, dlqUrl } = await queues("s3-foreign");
    const key = randomUUID();
    const envelope = JSON.stringify({ sqsJobs: 1, job: "big-file", id: "foreign-1", payload });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: envelope }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: `["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": "${bucket}", "s3Key": "${key}"}]`,
        MessageAttributes: {
          SQSLargePayloadSize: { DataType: "Number", StringValue: String(Buffer.byteLength(envelope)) },
        },
      }),
    );
    // When a worker receives it
    const seen: { name: string; size: number }[] = [];
    const worker = runOne(queueUrl, dlqUrl, seen);
    await eventually(
      async () => seen.length,
      (n) => n >= 1,
      15_000,
    );
    await worker.stop();
    // Then the job ran with the stored payload
    expect(seen).toEqual([{ name: "five", size: FIVE_MIB }]);
  });

  it("dead-letters a pointer to a missing object at once, with the reason, without running the job", async () => {
    // Given a pointer message whose object was never written
    const { queueUrl, dlqUrl, arn } = await queues("s3-missing");
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify([
          "software.amazon.payloadoffloading.PayloadS3Pointer",
          { s3BucketName: bucket, s3Key: "gone/never-written.json" },
        ]),
        MessageAttributes: { ExtendedPayloadSize: { DataType: "Number", StringValue: "6000000" } },
      }),
    );
    // When Lambda invokes the handler with it
    let runs = 0;
    const handler = createSqsHandler(
      [
        handle(bigFile, () => {
          runs++;
        }),
      ],
      { sqs, dlqUrl, metrics: false, logger: memoryLogger().logger },
    );
    const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then it is in the DLQ after its first receive, as poison naming the missing object
    expect(response.batchItemFailures).toEqual([]);
    const [dead] = await drainQueue(sqs, dlqUrl, { expect: 1 });
    expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("poison");
    expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.errorName]?.StringValue).toBe("PayloadMissingError");
    expect(dead?.MessageAttributes?.[DLQ_ATTRIBUTES.errorMessage]?.StringValue).toContain(
      "gone/never-written.json",
    );
    // The pointer and its attribute travel with it, so a fixed object can be redriven
    expect(dead?.Body).toContain("PayloadS3Pointer");
    expect(dead?.MessageAttributes?.ExtendedPayloadSize?.StringValue).toBe("6000000");
    expect(runs).toBe(0);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("dlq peek shows a dead pointer's object, and reads it with --payloads", async () => {
    // Given a dead-letter queue holding one pointer whose object exists and one whose object is gone
    const { queueUrl, dlqUrl } = await redrivenPair("s3-peek");
    const key = `sqs-jobs/big-file/${randomUUID()}.json`;
    const envelope = JSON.stringify({
      sqsJobs: 1,
      job: "big-file",
      id: "peeked-1",
      payload: { name: "p", data: "d" },
    });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: envelope }));
    for (const k of [key, "sqs-jobs/big-file/gone.json"]) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: JSON.stringify([
            "software.amazon.payloadoffloading.PayloadS3Pointer",
            { s3BucketName: bucket, s3Key: k },
          ]),
        }),
      );
    }
    // When the CLI peeks with and without --payloads
    const plain = await runCli(["dlq", "peek", queueUrl]);
    const read = await runCli(["dlq", "peek", queueUrl, "--payloads", "--json"]);
    // Then the text names each object, and --json carries the stored envelope or why it could not be read
    expect(plain.stderr).toBe("");
    expect(plain.stdout).toContain(`payload in s3://${bucket}/${key}`);
    const { records } = JSON.parse(read.stdout) as {
      records: { payloadPointer: { key: string }; storedBody?: string; storedBodyError?: string }[];
    };
    const byKey = new Map(records.map((r) => [r.payloadPointer.key, r]));
    expect(byKey.get(key)?.storedBody).toBe(envelope);
    expect(byKey.get("sqs-jobs/big-file/gone.json")?.storedBodyError).toContain("PayloadMissingError");
  });

  it("the dashboard says a dead job is in S3, and shows its pointer and stored payload only with the token", async () => {
    // Given a dead-lettered pointer whose object holds an envelope
    const { queueUrl, dlqUrl } = await redrivenPair("s3-dash");
    const key = `sqs-jobs/big-file/${randomUUID()}.json`;
    const envelope = { sqsJobs: 1, job: "big-file", id: "dash-1", payload: { name: "secret", data: "d" } };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(envelope) }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: JSON.stringify([
          "software.amazon.payloadoffloading.PayloadS3Pointer",
          { s3BucketName: bucket, s3Key: key },
        ]),
      }),
    );
    const dash = await startDashboard({
      sqs,
      target: { endpoint: null, region: "us-east-1" },
      version: "0",
      port: 0,
      prefix: queueUrl.split("/").pop() ?? "",
    });
    try {
      // When the page opens it without, then with the payload
      const name = queueUrl.split("/").pop() ?? "";
      const listed = await call(dash.origin, "GET", `api/queues/${name}/dlq`);
      const messageId = listed.json.records[0].messageId;
      const plain = await call(dash.origin, "GET", `api/queues/${name}/dlq/${messageId}`);
      const shown = await call(dash.origin, "GET", `api/queues/${name}/dlq/${messageId}?payload=1`, {
        token: dash.token,
      });
      // Then without the token it only says the job is in S3 (a key may be anyone's data); with
      // it, the pointer and the stored payload show
      expect(plain.json).toMatchObject({ payloadInS3: true, payloadPointer: null, payload: null });
      expect(JSON.stringify(plain.json)).not.toContain("secret");
      expect(JSON.stringify(plain.json)).not.toContain(key);
      expect(shown.json).toMatchObject({
        payloadPointer: { bucket, key },
        payload: envelope.payload,
        payloadShown: true,
      });
    } finally {
      await dash.close();
    }
  });

  it("keeps a result too large for the ledger in S3; getJob and waitFor read it back", async () => {
    // Given a job whose 1 MiB result is past the ledger's 350 KB, a ledger, and a consumer with a
    // payload bucket (SQS_JOBS_PAYLOAD_BUCKET, as JobQueue sets it)
    const render = defineJob({
      name: "render",
      schema: z.object({ pages: z.number() }),
      result: z.object({ html: z.string() }),
    });
    const { queueUrl, dlqUrl, arn } = await queues("s3-result");
    const dynamodb = testDynamoDb();
    const ledger = { tableName: await createLedgerTable(dynamodb, "s3-result"), dynamodb };
    const client = new JobClient({ queueUrl, sqs, ledger });
    const sent = await client.send(render, { pages: 3 });
    const html = "<p>".repeat(350_000);
    process.env.SQS_JOBS_PAYLOAD_BUCKET = bucket;
    let handler: ReturnType<typeof createSqsHandler>;
    try {
      handler = createSqsHandler([handle(render, () => ({ html }))], {
        sqs,
        dlqUrl,
        ledger,
        metrics: false,
        logger: memoryLogger().logger,
      });
    } finally {
      delete process.env.SQS_JOBS_PAYLOAD_BUCKET;
    }
    // When it runs
    const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then it succeeded, its result is an object in the bucket, and the ledger's reads return it whole
    expect(response.batchItemFailures).toEqual([]);
    expect(await objectText(bucket, `sqs-jobs/render/${sent.jobId}.result.json`)).toBe(
      JSON.stringify({ html }),
    );
    expect(await client.getJob(render, sent.jobId)).toMatchObject({ status: "succeeded", result: { html } });
    expect(await sent.waitFor()).toEqual({ html });
  });

  it("a job sent for later waits in its schedule as the pointer, its object stored at the call", async () => {
    // Given a client with a payload bucket and a scheduler
    const { queueUrl } = await queues("s3-later");
    const scheduler = new SchedulerClient({
      endpoint: process.env.AWS_ENDPOINT_URL as string,
      maxAttempts: 1,
    });
    const client = new JobClient({
      queueUrl,
      sqs,
      payloads: { bucket },
      scheduler: { roleArn: "arn:aws:iam::000000000000:role/scheduler", client: scheduler },
    });
    // When it sends a 5 MiB job for tomorrow
    const sent = await client.send(bigFile, payload, { at: new Date(Date.now() + 86_400_000) });
    // Then the schedule's input is the pointer (Scheduler cannot set the size attribute), and the object holds the job
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: sent.scheduleName }));
    const key = `sqs-jobs/big-file/${sent.jobId}.json`;
    expect(JSON.parse(schedule.Target?.Input ?? "")).toEqual([
      "software.amazon.payloadoffloading.PayloadS3Pointer",
      { s3BucketName: bucket, s3Key: key },
    ]);
    expect(JSON.parse(await objectText(bucket, key))).toMatchObject({ id: sent.jobId, payload });
    scheduler.destroy();
  });

  it("refuses a job too large for the queue with ERR_PAYLOAD_TOO_LARGE naming the fix when no bucket is set", async () => {
    const { queueUrl } = await queues("s3-none");
    const client = new JobClient({ queueUrl, sqs });
    await expect(client.send(bigFile, payload)).rejects.toMatchObject({
      code: "ERR_PAYLOAD_TOO_LARGE",
      message: expect.stringContaining("payloads: { bucket }"),
    });
  });

  it("sends through S3 below the queue's size when the job's threshold says so, and deletes after success when asked", async () => {
    // Given a job that offloads anything above 1 KiB and deletes its object once done
    const small = defineJob({
      name: "small-offloaded",
      schema: z.object({ data: z.string() }),
      payloads: { thresholdBytes: 1024, deleteAfterSuccess: true },
    });
    const { queueUrl, dlqUrl, arn } = await queues("s3-threshold");
    const sent = await new JobClient({ queueUrl, sqs, payloads: { bucket } }).send(small, {
      data: "z".repeat(2000),
    });
    const key = `sqs-jobs/small-offloaded/${sent.jobId}.json`;
    expect(await objectText(bucket, key)).toContain(sent.jobId);
    // When it runs
    let ran = 0;
    const handler = createSqsHandler(
      [
        handle(small, () => {
          ran++;
        }),
      ],
      { sqs, dlqUrl, metrics: false, logger: memoryLogger().logger },
    );
    await invokeLikeLambda(sqs, queueUrl, arn, handler);
    // Then its object is gone
    expect(ran).toBe(1);
    await expect(objectText(bucket, key)).rejects.toMatchObject({ name: "NoSuchKey" });
  });
});
