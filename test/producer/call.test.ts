import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CallError,
  CallNotStartedError,
  createSqsHandler,
  defineJob,
  handle,
  JobClient,
  JobDeadError,
  type SqsEvent,
  ValidationError,
} from "../../src/index.ts";
import { lambdaContext, sleep } from "../consumer/harness.ts";
import { ledgerFixture } from "../ledger/fixture.ts";

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

/** A singleton: one run at a time, however it is started. */
const exclusive = defineJob({
  name: "exclusive",
  schema: z.object({ n: z.number(), workMs: z.number() }),
  result: z.object({ n: z.number() }),
  concurrency: { key: "all", limit: 1 },
  timeoutSeconds: 3,
});

const { client: dynamodb, newLedger } = ledgerFixture();
const ledger = { tableName: (await newLedger()).tableName, dynamodb };
const queueUrl = "http://127.0.0.1:1/000000000000/images";
const runs = { running: 0, most: 0, started: 0, ids: [] as string[] };
/** The same consumer with the job ledger, as `JobQueue({ ledger })` deploys it. */
const trackedHandler = createSqsHandler(
  [
    handle(resize, (p, ctx) => {
      runs.ids.push(ctx.jobId);
      if (p.key === "bad.png") throw new TypeError("cannot decode bad.png");
      return { thumbnail: `${p.key}@${p.width}` };
    }),
    handle(exclusive, async (p) => {
      runs.started++;
      runs.running++;
      runs.most = Math.max(runs.most, runs.running);
      await sleep(p.workMs);
      runs.running--;
      return { n: p.n };
    }),
  ],
  { queueUrl, ledger, logLevel: "silent", metrics: false },
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
  const consumer = req.url?.includes("/functions/tracked/") ? trackedHandler : handler;
  const out = await consumer(event, lambdaContext());
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
const tracked = new JobClient({ queueUrl, functionName: "tracked", lambda, ledger });

describe("JobClient.call", () => {
  it("runs the handler through the function and returns the typed result", async () => {
    expect(await client().call(resize, { key: "a.png", width: 200 })).toEqual({ thumbnail: "a.png@200" });
    expect(before).toBe(1);
  });

  it("a handler that throws comes back as JobDeadError with the error's name and message", async () => {
    const error = await client()
      .call(resize, { key: "bad.png", width: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobDeadError);
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

describe("JobClient.call on a consumer with the job ledger: a called job is a job", () => {
  it("gets a ledger entry, so getJob works for its id, with its outcome and attempts", async () => {
    // Given a consumer with the ledger
    runs.ids.length = 0;
    // When a job is called, and another call fails
    expect(await tracked.call(resize, { key: "a.png", width: 200 })).toEqual({ thumbnail: "a.png@200" });
    const failed = await tracked.call(resize, { key: "bad.png", width: 1 }).catch((e: unknown) => e);
    // Then both are in the ledger under the ids their handlers saw
    const [ok, bad] = runs.ids;
    expect(await tracked.getJob(resize, ok ?? "")).toMatchObject({
      status: "succeeded",
      attempts: 1,
      queue: "images",
      result: { thumbnail: "a.png@200" },
    });
    expect(failed).toMatchObject({ jobId: bad });
    expect(await tracked.getJob(resize, bad ?? "")).toMatchObject({
      status: "dead",
      attempts: 1,
      failure: { reason: "exhausted", name: "TypeError", message: "cannot decode bad.png" },
    });
  });

  it("takes its concurrency slot: two calls of a singleton run one after the other", async () => {
    // Given a singleton job
    runs.most = 0;
    // When it is called twice at once
    const [a, b] = await Promise.all([
      tracked.call(exclusive, { n: 1, workMs: 700 }),
      tracked.call(exclusive, { n: 2, workMs: 700 }),
    ]);
    // Then the second waited for the first's slot, and both ran
    expect([a, b]).toEqual([{ n: 1 }, { n: 2 }]);
    expect(runs.most).toBe(1);
  });

  it("a call that cannot get the slot within its time budget fails as not started (maybeRan false)", async () => {
    // Given a singleton whose slot a queued record holds (here: a long call)
    runs.most = 0;
    const holder = tracked.call(exclusive, { n: 1, workMs: 2_500 });
    await sleep(300);
    const started = runs.started;
    // When another call may wait 500 ms at most (its budget minus the job's 3 s timeout)
    const error = await tracked
      .call(exclusive, { n: 2, workMs: 0 }, { timeoutMs: 3_000 + 1_500 })
      .catch((e: unknown) => e);
    // Then it fails, typed, without running
    expect(error).toBeInstanceOf(CallNotStartedError);
    expect(error).toBeInstanceOf(CallError);
    expect(error).toMatchObject({ code: "ERR_CALL_NOT_STARTED", maybeRan: false });
    expect((error as Error).message).toMatch(/concurrency slot/);
    expect(runs.started).toBe(started);
    expect(await holder).toEqual({ n: 1 });
    expect(runs.most).toBe(1);
  });
});
