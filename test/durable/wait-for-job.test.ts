import { type DurableContext, withDurableExecution } from "@aws/durable-execution-sdk-js";
import {
  type DurableOperation,
  LocalDurableTestRunner,
  WaitingOperationStatus,
} from "@aws/durable-execution-sdk-js-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createSqsHandler,
  type DurableWaitContext,
  defineJob,
  handle,
  JobClient,
  JobDeadError,
  PermanentError,
  waitForJob,
} from "../../src/index.ts";
import { invokeLikeLambda } from "../consumer/harness.ts";
import { durableFixture } from "./fixture.ts";

/**
 * A durable function run by the durable SDK's local runner (no Docker, no credentials) waits for a
 * job on the local stack. Our consumer completes the callback against the stack's Lambda API;
 * the runner serves no HTTP API of its own, so the test hands each recorded completion to it,
 * as Lambda would hand it to the execution.
 */
const { sqs, dynamodb, newLedger, lambda, queues, completionOf } = durableFixture();

const resize = defineJob({
  name: "resize",
  schema: z.object({ key: z.string(), corrupt: z.boolean().default(false) }),
  result: z.object({ thumbnail: z.string(), at: z.iso.datetime().transform((s) => new Date(s)) }),
  retry: { maxAttempts: 1 },
});

beforeAll(() => LocalDurableTestRunner.setupTestEnvironment({ skipTime: false }));
afterAll(() => LocalDurableTestRunner.teardownTestEnvironment());

async function rig(label: string) {
  const { queueUrl, dlqUrl, arn } = await queues(label);
  const ledger = await newLedger();
  const ledgerOptions = { tableName: ledger.tableName, dynamodb };
  const jobs = new JobClient({ queueUrl, sqs, ledger: ledgerOptions });
  const consumer = createSqsHandler(
    [
      handle(resize, ({ key, corrupt }) => {
        if (corrupt) throw new PermanentError("the image is corrupt");
        return { thumbnail: `thumbs/${key}`, at: "2026-12-07T18:00:00.000Z" };
      }),
    ],
    { sqs, dlqUrl, ledger: ledgerOptions, lambda, logLevel: "silent", metrics: false },
  );
  return { jobs, consume: () => invokeLikeLambda(sqs, queueUrl, arn, consumer, { max: 1 }) };
}

/**
 * Hands the completion the local Lambda API recorded for a callback to the runner. The operation
 * is the runner's, taken before the run starts (the runner tracks it from then).
 */
async function forwardCompletion(operation: DurableOperation<unknown>): Promise<void> {
  await operation.waitForData(WaitingOperationStatus.STARTED);
  // waitForCallback's operation is a context that holds the callback: its id is there once made.
  await expect.poll(() => operation.getCallbackDetails()?.callbackId).toBeDefined();
  const callbackId = operation.getCallbackDetails()?.callbackId ?? "";
  const completion = await completionOf(callbackId);
  if (completion === undefined) throw new Error("the consumer completed no callback");
  if (completion.status === "succeeded") await operation.sendCallbackSuccess(completion.result);
  else
    await operation.sendCallbackFailure({
      ErrorType: completion.error.errorType,
      ErrorMessage: completion.error.errorMessage,
      ErrorData: completion.error.errorData,
    });
}

describe("waitForJob in a durable function", () => {
  it("suspends until the job succeeded and returns its typed result", async () => {
    const { jobs, consume } = await rig("durable-ok");
    const runner = new LocalDurableTestRunner({
      handlerFunction: withDurableExecution(async (event: { key: string }, ctx: DurableContext) => {
        const { thumbnail, at } = await waitForJob(ctx, jobs, resize, { key: event.key });
        return { thumbnail, atIsDate: at instanceof Date };
      }),
    });
    const callback = runner.getOperation("resize");
    const execution = runner.run({ payload: { key: "a.png" } });
    // The job is on the queue once the durable function submitted it: the consumer runs it
    const { response } = await consume();
    expect(response.batchItemFailures).toEqual([]);
    await forwardCompletion(callback);
    const result = await execution;
    expect(result.getStatus()).toBe("SUCCEEDED");
    expect(result.getResult()).toEqual({ thumbnail: "thumbs/a.png", atIsDate: true });
  });

  it("surfaces a dead job as a JobDeadError with its failure", async () => {
    const { jobs, consume } = await rig("durable-dead");
    const runner = new LocalDurableTestRunner({
      handlerFunction: withDurableExecution(async (_: unknown, ctx: DurableContext) => {
        try {
          await waitForJob(ctx, jobs, resize, { key: "b.png", corrupt: true }, { name: "resize-corrupt" });
          return "not reached";
        } catch (error) {
          if (!(error instanceof JobDeadError)) throw error;
          return {
            code: error.code,
            reason: error.failure.reason,
            name: error.failure.name,
            attempts: error.attempts,
          };
        }
      }),
    });
    const callback = runner.getOperation("resize-corrupt");
    const execution = runner.run();
    await consume();
    await forwardCompletion(callback);
    const result = await execution;
    expect(result.getStatus()).toBe("SUCCEEDED");
    expect(result.getResult()).toEqual({
      code: "ERR_JOB_DEAD",
      reason: "permanent",
      name: "PermanentError",
      attempts: 1,
    });
  });

  it("surfaces a result too large for a callback as CallbackResultTooLargeError", async () => {
    // Given a durable context whose callback failed as the consumer fails one for a large result
    const errorData = JSON.stringify({
      sqsJobs: "result-too-large",
      jobName: "resize",
      jobId: "j-1",
      bytes: 300_011,
    });
    const failed: DurableWaitContext = {
      waitForCallback: () => Promise.reject(Object.assign(new Error("Callback failed"), { errorData })),
    };
    const { jobs } = await rig("durable-large");
    // When waitForJob awaits it, then it throws the typed error
    await expect(waitForJob(failed, jobs, resize, { key: "c.png" })).rejects.toMatchObject({
      name: "CallbackResultTooLargeError",
      code: "ERR_CALLBACK_RESULT_TOO_LARGE",
      jobId: "j-1",
      bytes: 300_011,
    });
  });
});
