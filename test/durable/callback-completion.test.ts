import { randomBytes } from "node:crypto";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createSqsHandler,
  defineJob,
  handle,
  InvalidOptionError,
  JobClient,
  PermanentError,
  startWorker,
} from "../../src/index.ts";
import { invokeLikeLambda } from "../consumer/harness.ts";
import { drainQueue, queueArn } from "../helpers/sqs.ts";
import { durableFixture } from "./fixture.ts";

const { sqs, dynamodb, newLedger, lambda, queues, completionOf } = durableFixture();

const resize = defineJob({
  name: "resize",
  schema: z.object({ key: z.string(), fail: z.boolean().default(false) }),
  result: z.object({ thumbnail: z.string() }),
  retry: { maxAttempts: 1 },
});

let runs = 0;
const handlers = [
  handle(resize, ({ key, fail }) => {
    runs++;
    if (fail) throw new PermanentError("the image is corrupt");
    return { thumbnail: `thumbs/${key}` };
  }),
];

/** A callback id as Lambda hands them out: base64. */
const newCallbackId = () => randomBytes(48).toString("base64");

async function rig(label: string, consumerLambda: LambdaClient = lambda) {
  const { queueUrl, dlqUrl, arn } = await queues(label);
  const ledger = await newLedger();
  const options = { tableName: ledger.tableName, dynamodb };
  const jobs = new JobClient({ queueUrl, sqs, ledger: options });
  const consumer = (client: LambdaClient) =>
    createSqsHandler(handlers, {
      sqs,
      dlqUrl,
      ledger: options,
      lambda: client,
      logLevel: "silent",
      metrics: false,
    });
  return {
    queueUrl,
    dlqUrl,
    ledger,
    jobs,
    handler: consumer(consumerLambda),
    consumer,
    invoke: (handler = consumer(consumerLambda)) => invokeLikeLambda(sqs, queueUrl, arn, handler, { max: 1 }),
  };
}

describe("a job that carries a durable callback id", () => {
  it("completes the callback with the job's result once the ledger records it succeeded", async () => {
    // Given a job sent with a callback id
    const { jobs, invoke, ledger } = await rig("cb-success");
    const callbackId = newCallbackId();
    const { jobId } = await jobs.send(resize, { key: "a.png" }, { callbackId });
    // When the consumer runs it
    const { response } = await invoke();
    // Then the ledger has its result and the callback was completed with it, as JSON
    expect(response.batchItemFailures).toEqual([]);
    expect(await ledger.get(jobId)).toMatchObject({ status: "succeeded" });
    expect(await completionOf(callbackId)).toMatchObject({
      status: "succeeded",
      result: JSON.stringify({ thumbnail: "thumbs/a.png" }),
    });
  });

  it("completes it from the worker too", async () => {
    const { jobs, queueUrl, dlqUrl, ledger } = await rig("cb-worker");
    const callbackId = newCallbackId();
    await jobs.send(resize, { key: "w.png" }, { callbackId });
    const ledgerOptions = { tableName: ledger.tableName, dynamodb };
    const worker = startWorker({
      queueUrl,
      dlqUrl,
      sqs,
      handlers,
      ledger: ledgerOptions,
      lambda,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: "silent",
    });
    try {
      await expect
        .poll(() => completionOf(callbackId), { timeout: 10_000 })
        .toMatchObject({
          status: "succeeded",
          result: JSON.stringify({ thumbnail: "thumbs/w.png" }),
        });
    } finally {
      await worker.stop();
    }
  });

  it("completes it with a failure naming the dead-letter reason when the job is dead", async () => {
    const { jobs, invoke, dlqUrl } = await rig("cb-dead");
    const callbackId = newCallbackId();
    const { jobId } = await jobs.send(resize, { key: "b.png", fail: true }, { callbackId });
    await invoke();
    const completion = (await completionOf(callbackId)) as {
      status: string;
      error: { errorType: string; errorMessage: string; errorData: string };
    };
    expect(completion).toMatchObject({ status: "failed", error: { errorType: "JobDeadError" } });
    expect(completion.error.errorMessage).toContain("is dead (permanent)");
    expect(JSON.parse(completion.error.errorData)).toEqual({
      sqsJobs: "dead",
      jobName: "resize",
      jobId,
      attempts: 1,
      failure: {
        reason: "permanent",
        name: "PermanentError",
        message: "the image is corrupt",
        code: "ERR_PERMANENT",
      },
    });
    expect(await drainQueue(sqs, dlqUrl, { quietMs: 300 })).toHaveLength(1);
  });

  it("completes it with a poison failure when the consumer refuses the payload", async () => {
    // Given a consumer whose job of the same name takes another payload than the producer's
    const { jobs, queueUrl, dlqUrl, ledger } = await rig("cb-poison");
    const strict = defineJob({ name: "resize", schema: z.object({ key: z.string(), width: z.number() }) });
    const consumer = createSqsHandler([handle(strict, () => undefined)], {
      sqs,
      dlqUrl,
      ledger: { tableName: ledger.tableName, dynamodb },
      lambda,
      logLevel: "silent",
      metrics: false,
    });
    const callbackId = newCallbackId();
    await jobs.send(resize, { key: "p.png" }, { callbackId });
    // When it receives the job
    await invokeLikeLambda(sqs, queueUrl, await queueArn(sqs, queueUrl), consumer, { max: 1 });
    // Then the job is dead-lettered as poison and the callback completed with why
    expect(await drainQueue(sqs, dlqUrl, { quietMs: 300 })).toHaveLength(1);
    const completion = await completionOf(callbackId);
    expect(completion).toMatchObject({ status: "failed", error: { errorType: "JobDeadError" } });
    expect(completion?.status === "failed" && JSON.parse(completion.error.errorData ?? "")).toMatchObject({
      sqsJobs: "dead",
      failure: { reason: "poison", name: "ValidationError" },
    });
  });

  it("completes it with a failure when the result is larger than a callback carries (256 KiB)", async () => {
    // Given a job whose result is 300,000 bytes: within the ledger's limit, above the callback's
    const big = defineJob({ name: "big", schema: z.object({}), result: z.object({ text: z.string() }) });
    const { queueUrl, dlqUrl, arn } = await queues("cb-big");
    const ledger = await newLedger();
    const ledgerOptions = { tableName: ledger.tableName, dynamodb };
    const consumer = createSqsHandler([handle(big, () => ({ text: "x".repeat(300_000) }))], {
      sqs,
      dlqUrl,
      ledger: ledgerOptions,
      lambda,
      logLevel: "silent",
      metrics: false,
    });
    const callbackId = newCallbackId();
    const { jobId } = await new JobClient({ queueUrl, sqs, ledger: ledgerOptions }).send(
      big,
      {},
      { callbackId },
    );
    await invokeLikeLambda(sqs, queueUrl, arn, consumer, { max: 1 });
    // Then the job succeeded, and its callback was completed with a failure that says why
    expect(await ledger.get(jobId)).toMatchObject({ status: "succeeded" });
    const completion = await completionOf(callbackId);
    expect(completion?.status === "failed" && JSON.parse(completion.error.errorData ?? "")).toEqual({
      sqsJobs: "result-too-large",
      jobName: "big",
      jobId,
      bytes: 300_011,
    });
  });

  it("takes a repeat completion's 'already closed' as done: a duplicate delivery runs nothing and is deleted", async () => {
    // Given a job that succeeded and completed its callback, and a second copy of its message
    const { jobs, invoke, queueUrl } = await rig("cb-repeat");
    const callbackId = newCallbackId();
    await jobs.send(resize, { key: "c.png" }, { callbackId });
    const first = await invoke();
    const before = runs;
    const { SendMessageCommand } = await import("@aws-sdk/client-sqs");
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: first.event.Records[0]?.body }));
    // When the copy is delivered
    const again = await invoke();
    // Then it ran nothing, its completion was answered "already closed" and it was deleted
    expect(runs).toBe(before);
    expect(again.response.batchItemFailures).toEqual([]);
    expect(await drainQueue(sqs, queueUrl, { quietMs: 300 })).toEqual([]);
    expect(await completionOf(callbackId)).toMatchObject({ status: "succeeded" });
    const repeat = lambda.send(
      new (await import("@aws-sdk/client-lambda")).SendDurableExecutionCallbackSuccessCommand({
        CallbackId: callbackId,
      }),
    );
    await expect(repeat).rejects.toMatchObject({ name: "CallbackTimeoutException" });
  });

  it("a consumer that died between the final-state write and the completion: the next delivery completes it", async () => {
    // Given a consumer whose completion call never returns (the process dies while it is made)
    const hung = { send: () => new Promise<never>(() => undefined) } as unknown as LambdaClient;
    const { jobs, queueUrl, ledger, consumer, invoke } = await rig("cb-crash");
    const callbackId = newCallbackId();
    const { jobId } = await jobs.send(resize, { key: "d.png" }, { callbackId });
    const { ReceiveMessageCommand } = await import("@aws-sdk/client-sqs");
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MessageSystemAttributeNames: ["All"],
        WaitTimeSeconds: 1,
      }),
    );
    const message = received.Messages?.[0];
    const { recordFromMessage } = await import("../../src/consumer/record-from-message.ts");
    const dying = consumer(hung)(
      { Records: [recordFromMessage(message ?? {}, { arn: await queueArn(sqs, queueUrl) })] },
      { getRemainingTimeInMillis: () => 60_000 },
    );
    void dying;
    await expect.poll(() => ledger.get(jobId).then((j) => j?.status)).toBe("succeeded");
    expect(await completionOf(callbackId)).toBeUndefined();
    // When its message comes back (the invocation died: nothing deleted it)
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const runsBefore = runs;
    const next = await invoke();
    // Then the next delivery runs nothing, completes the callback from the ledger, and is deleted
    expect(runs).toBe(runsBefore);
    expect(next.response.batchItemFailures).toEqual([]);
    expect(await completionOf(callbackId)).toMatchObject({
      status: "succeeded",
      result: JSON.stringify({ thumbnail: "thumbs/d.png" }),
    });
  });

  it("a worker that dies between dead-lettering a job and completing its callback leaves the message for the next delivery, which completes it", async () => {
    // Given a worker whose completion call never returns (the process dies while it is made)
    const hung = { send: () => new Promise<never>(() => undefined) } as unknown as LambdaClient;
    const { jobs, queueUrl, dlqUrl, ledger } = await rig("cb-worker-dead");
    const ledgerOptions = { tableName: ledger.tableName, dynamodb };
    const worker = (client: LambdaClient) =>
      startWorker({
        queueUrl,
        dlqUrl,
        sqs,
        handlers,
        ledger: ledgerOptions,
        lambda: client,
        waitTimeSeconds: 1,
        shutdownTimeoutMs: 200,
        handleSignals: false,
        logLevel: "silent",
      });
    const callbackId = newCallbackId();
    const { jobId } = await jobs.send(resize, { key: "f.png", fail: true }, { callbackId });
    const dying = worker(hung);
    await expect.poll(() => ledger.get(jobId).then((j) => j?.status), { timeout: 10_000 }).toBe("dead");
    expect(await completionOf(callbackId)).toBeUndefined();
    // When that worker is gone (what it held comes back, as after its visibility timeout) and
    // another takes the queue
    await dying.stop();
    const runsBefore = runs;
    const next = worker(lambda);
    try {
      // Then the next delivery runs nothing, completes the callback as dead from the ledger, and
      // the DLQ holds the one copy the dying worker sent
      await expect
        .poll(() => completionOf(callbackId), { timeout: 10_000 })
        .toMatchObject({ status: "failed", error: { errorType: "JobDeadError" } });
      expect(runs).toBe(runsBefore);
      expect(await drainQueue(sqs, dlqUrl, { quietMs: 300 })).toHaveLength(1);
    } finally {
      await next.stop();
    }
  });

  it("a completion Lambda keeps refusing leaves the job on the queue, delayed, at no attempt", async () => {
    // Given a consumer whose Lambda API answers 500 to every completion
    const failing = {
      send: () =>
        Promise.reject(Object.assign(new Error("internal"), { name: "ServiceException", $fault: "server" })),
    } as unknown as LambdaClient;
    const { jobs, invoke, queueUrl, ledger } = await rig("cb-refused", failing);
    const callbackId = newCallbackId();
    const { jobId } = await jobs.send(resize, { key: "e.png" }, { callbackId });
    // When it runs the job
    const { response } = await invoke();
    // Then the job succeeded in the ledger, nothing was completed, and a copy waits on the queue
    expect(response.batchItemFailures).toEqual([]);
    expect(await ledger.get(jobId)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await completionOf(callbackId)).toBeUndefined();
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessagesDelayed"],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesDelayed).toBe("1");
  });

  it("a dead job whose completion Lambda keeps refusing: its copy is in the DLQ and its message waits on the queue for the next delivery", async () => {
    // Given a consumer whose Lambda API answers 500 to every completion
    const failing = {
      send: () =>
        Promise.reject(Object.assign(new Error("internal"), { name: "ServiceException", $fault: "server" })),
    } as unknown as LambdaClient;
    const { jobs, invoke, queueUrl, dlqUrl, ledger } = await rig("cb-dead-refused", failing);
    const callbackId = newCallbackId();
    const { jobId } = await jobs.send(resize, { key: "g.png", fail: true }, { callbackId });
    // When the job dies
    await invoke();
    // Then the ledger has it dead, the DLQ its one copy, and its message waits, delayed, to be
    // completed by its next delivery
    expect(await ledger.get(jobId)).toMatchObject({ status: "dead" });
    expect(await completionOf(callbackId)).toBeUndefined();
    expect(await drainQueue(sqs, dlqUrl, { quietMs: 300 })).toHaveLength(1);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessagesDelayed"],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesDelayed).toBe("1");
  });

  it("refuses a malformed callback id, and a callback id on sendBatch, before anything is sent", async () => {
    const { jobs } = await rig("cb-refuse");
    await expect(jobs.send(resize, { key: "x" }, { callbackId: "not base64!" })).rejects.toThrow(
      InvalidOptionError,
    );
    await expect(jobs.sendBatch(resize, [{ key: "x" }], { callbackId: newCallbackId() })).rejects.toThrow(
      /callbackId is for send/,
    );
  });
});
