import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CallError,
  createSqsHandler,
  defineJob,
  handle,
  JobClient,
  JobFailedError,
  type SqsEvent,
  ValidationError,
} from "../../src/index.ts";
import { lambdaContext, sleep } from "../consumer/harness.ts";

const resize = defineJob({
  name: "resize",
  schema: z.object({ key: z.string(), width: z.number().int().positive() }),
  result: z.object({ thumbnail: z.string() }),
  timeoutSeconds: 1,
});

let invokes = 0;
let before = 0;
const handler = createSqsHandler(
  [
    handle(resize, async (p, ctx) => {
      if (p.key === "slow.png") await sleep(5_000);
      if (p.key === "bad.png") throw new TypeError("cannot decode bad.png");
      before += ctx.attempt;
      return { thumbnail: `${p.key}@${p.width}` };
    }),
  ],
  { logLevel: "silent", metrics: false },
);

/** Lambda's Invoke API for one function, in process: what `sqs-jobs dev` and AWS answer. */
const server = createServer(async (req, res) => {
  invokes++;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const event = JSON.parse(Buffer.concat(chunks).toString()) as SqsEvent;
  if (req.url?.includes("/functions/throttled/")) {
    res.writeHead(429, {
      "content-type": "application/json",
      "x-amzn-errortype": "TooManyRequestsException",
    });
    res.end(JSON.stringify({ message: "Rate exceeded", Type: "User" }));
    return;
  }
  if (req.url?.includes("/functions/crashing/")) {
    res.writeHead(200, { "content-type": "application/json", "x-amz-function-error": "Unhandled" });
    res.end(JSON.stringify({ errorType: "Runtime.ExitError", errorMessage: "exited" }));
    return;
  }
  const out = await handler(event, lambdaContext());
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(out));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
afterAll(() => new Promise((resolve) => server.close(resolve)));

const lambda = new LambdaClient({
  endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});
const client = (functionName = "resizer") =>
  new JobClient({ queueUrl: "http://127.0.0.1:1/000000000000/images", functionName, lambda, ledger: false });

describe("JobClient.call", () => {
  it("runs the handler through the function and returns the typed result", async () => {
    expect(await client().call(resize, { key: "a.png", width: 200 })).toEqual({ thumbnail: "a.png@200" });
    expect(before).toBe(1);
  });

  it("a handler that throws comes back as JobFailedError with the error's name and message", async () => {
    const error = await client()
      .call(resize, { key: "bad.png", width: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error).toMatchObject({
      failure: { name: "TypeError", message: "cannot decode bad.png" },
      attempts: 1,
    });
  });

  it("the job's timeout applies as in any run", async () => {
    await expect(client().call(resize, { key: "slow.png", width: 1 })).rejects.toMatchObject({
      failure: { name: "JobTimeoutError", code: "ERR_JOB_TIMEOUT" },
    });
  });

  it("an invalid payload is refused before any invoke", async () => {
    const count = invokes;
    // @ts-expect-error width must be a number
    await expect(client().call(resize, { key: "a.png", width: "wide" })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(invokes).toBe(count);
  });

  it("a throttled invoke is a CallError that did not run, and is not retried", async () => {
    const count = invokes;
    const error = await client("throttled")
      .call(resize, { key: "a.png", width: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect(error).toMatchObject({ code: "ERR_CALL", maybeRan: false });
    expect(invokes).toBe(count + 1);
  });

  it("a crashed function is a CallError that may have run", async () => {
    const error = await client("crashing")
      .call(resize, { key: "a.png", width: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_CALL", maybeRan: true, message: /crashed.*Runtime.ExitError/ });
  });

  it("without a function name it says which variable to set", async () => {
    const jobs = new JobClient({
      queueUrl: "http://127.0.0.1:1/000000000000/images",
      queue: "images",
      ledger: false,
    });
    await expect(jobs.call(resize, { key: "a.png", width: 1 })).rejects.toThrow(
      /SQS_JOBS_IMAGES_FUNCTION_NAME/,
    );
  });
});
