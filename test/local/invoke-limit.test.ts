import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CallError, createSqsHandler, defineJob, handle, JobClient } from "../../src/index.ts";
import type { DevStack } from "../../tools/src/local/dev-stack.ts";
import { startOneFunctionStack } from "./one-function-stack.ts";

/**
 * Lambda's payload limits on Invoke: 6 MB (6,291,456 bytes) for a synchronous request, 1 MB for an
 * Event one; over them, 413 RequestEntityTooLargeException with AWS's message, the function not run.
 */

const MiB = 1024 * 1024;
const SYNC_LIMIT = 6_291_456;

const measure = defineJob({
  name: "measure",
  schema: z.object({ blob: z.string() }),
  result: z.object({ length: z.number() }),
  // Under the function's 5 s with the handler's 1 s margin, so a call can start.
  timeoutSeconds: 2,
});

let runs = 0;
let stack: DevStack;
let lambda: LambdaClient;

beforeAll(async () => {
  const handler = createSqsHandler(
    [
      handle(measure, async ({ blob }) => {
        runs++;
        return { length: blob.length };
      }),
    ],
    { logLevel: "silent", metrics: false },
  );
  stack = await startOneFunctionStack(async (event, context) => {
    runs++;
    const answer = (event as { answerBytes?: number }).answerBytes;
    if (answer !== undefined) return "x".repeat(answer - 2);
    return handler(event as never, context as never);
  });
  lambda = new LambdaClient({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}, 30_000);

afterAll(async () => {
  lambda?.destroy();
  await stack?.stop();
});

/** A JSON event of exactly `bytes` bytes. */
const eventOf = (bytes: number) => new TextEncoder().encode(`{"pad":"${"x".repeat(bytes - 10)}"}`);

const invoke = (payload: Uint8Array, type: "RequestResponse" | "Event" = "RequestResponse") =>
  lambda.send(new InvokeCommand({ FunctionName: "worker", InvocationType: type, Payload: payload }));

describe("local Invoke's payload limits", () => {
  it("refuses a synchronous request over 6,291,456 bytes as Lambda does, without running the function", async () => {
    runs = 0;
    await expect(invoke(eventOf(SYNC_LIMIT + 1))).rejects.toMatchObject({
      name: "RequestEntityTooLargeException",
      $metadata: { httpStatusCode: 413 },
      message: `${SYNC_LIMIT + 1} byte payload is too large for the RequestResponse invocation type (limit ${SYNC_LIMIT} bytes)`,
    });
    expect(runs).toBe(0);
    // And one of exactly the limit runs
    const out = await invoke(eventOf(SYNC_LIMIT));
    expect(out.StatusCode).toBe(200);
    expect(runs).toBe(1);
  });

  it("refuses an Event request over 1 MB with the Event invocation type's message", async () => {
    runs = 0;
    await expect(invoke(eventOf(MiB + 1), "Event")).rejects.toMatchObject({
      name: "RequestEntityTooLargeException",
      $metadata: { httpStatusCode: 413 },
      message: `${MiB + 1} byte payload is too large for the Event invocation type (limit ${MiB} bytes)`,
    });
    expect(runs).toBe(0);
  });
});

describe("local Invoke's response limit", () => {
  it("fails a synchronous invocation whose response is over Lambda's limit, as Lambda does", async () => {
    // A JSON string response of exactly `bytes` bytes, just over and at the limit
    const over = await invoke(new TextEncoder().encode(JSON.stringify({ answerBytes: 6_291_557 })));
    expect(over.StatusCode).toBe(200);
    expect(over.FunctionError).toBe("Unhandled");
    expect(JSON.parse(Buffer.from(over.Payload ?? []).toString())).toEqual({
      errorType: "Function.ResponseSizeTooLarge",
      errorMessage: "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    });
    const at = await invoke(new TextEncoder().encode(JSON.stringify({ answerBytes: 6_291_556 })));
    expect(at.FunctionError).toBeUndefined();
    expect(at.Payload?.byteLength).toBe(6_291_556);
  });
});

describe("JobClient.call over the synchronous Invoke limit", () => {
  it("is a CallError that says nothing ran, before any call", async () => {
    // Given a producer calling the function with a 7 MiB payload
    runs = 0;
    const jobs = new JobClient({
      queueUrl: stack.queues[0]?.url ?? "",
      functionName: "worker",
      lambda,
      ledger: false,
    });
    const error = await jobs.call(measure, { blob: "x".repeat(7 * MiB) }).catch((e: unknown) => e);
    // Then it fails with a typed error naming the limit, and the job did not run
    expect(error).toBeInstanceOf(CallError);
    expect(error).toMatchObject({ code: "ERR_CALL", maybeRan: false });
    expect((error as Error).message).toMatch(/over Lambda's 6,291,456-byte limit/);
    expect(runs).toBe(0);
    // And a small call still runs
    expect(await jobs.call(measure, { blob: "abc" })).toEqual({ length: 3 });
  });
});
