import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { MAX_PAYLOAD_DEPTH } from "../../src/core/json-depth.ts";
import { defineJob, JobClient, ValidationError } from "../../src/index.ts";
import { createTestQueue, drainQueue, queueDepth, testSqs } from "../helpers/sqs.ts";

// A payload nested thousands deep passes a permissive schema, then breaks whatever walks it
// recursively later (the consumer's payload hash threw RangeError). Nesting is checked at send.

const sqs = testSqs();
const anything = defineJob({ name: "anything", schema: z.unknown() });

/** `depth` levels of objects and arrays, alternating, around a number. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

async function refusal(sending: Promise<unknown>): Promise<ValidationError> {
  const error = await sending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe(`payload nesting (at most ${MAX_PAYLOAD_DEPTH} levels)`, () => {
  it("send accepts a payload exactly at the limit, and it arrives whole", async () => {
    const queueUrl = await createTestQueue(sqs, "depth-ok");
    const jobs = new JobClient({ queueUrl, sqs, ledger: false });
    await jobs.send(anything, nested(MAX_PAYLOAD_DEPTH));
    const [message] = await drainQueue(sqs, queueUrl, { expect: 1 });
    expect(JSON.parse(message?.Body ?? "{}").payload).toEqual(nested(MAX_PAYLOAD_DEPTH));
  });

  it.each([MAX_PAYLOAD_DEPTH + 1, 4_000, 10_000, 1_000_000])(
    "send refuses a payload %i deep with a too_deep issue, before any network call",
    async (depth) => {
      const jobs = new JobClient({ queueUrl: "http://127.0.0.1:1/000000000000/nowhere", sqs, ledger: false });
      const error = await refusal(jobs.send(anything, nested(depth)));
      expect(error.issues).toEqual([
        { path: [], kind: "too_deep", message: expect.stringContaining(`at most ${MAX_PAYLOAD_DEPTH}`) },
      ]);
    },
  );

  it("sendBatch names the deep item by its index and sends nothing", async () => {
    const queueUrl = await createTestQueue(sqs, "depth-batch");
    const jobs = new JobClient({ queueUrl, sqs, ledger: false });
    const error = await refusal(
      jobs.sendBatch(anything, [{ ok: 1 }, nested(5_000), nested(MAX_PAYLOAD_DEPTH)]),
    );
    expect(error.issues.map((i) => [i.path, i.kind])).toEqual([[[1], "too_deep"]]);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("send { at } refuses it before any schedule is created", async () => {
    const endpoint = inject("sqsEndpoint");
    const scheduler = new SchedulerClient({ endpoint, region: "us-east-1", maxAttempts: 1 });
    let calls = 0;
    scheduler.middlewareStack.add(
      (next) => (args) => {
        calls++;
        return next(args);
      },
      { step: "initialize" },
    );
    const jobs = new JobClient({
      queueUrl: await createTestQueue(sqs, "depth-at"),
      sqs,
      ledger: false,
      scheduler: { roleArn: "arn:aws:iam::000000000000:role/scheduler", client: scheduler },
    });
    const at = new Date(Date.now() + 86_400_000);
    const error = await refusal(jobs.send(anything, nested(MAX_PAYLOAD_DEPTH + 1), { at }));
    expect(error.issues[0]?.kind).toBe("too_deep");
    expect(calls).toBe(0);
  });

  it("call refuses it before any invoke", async () => {
    const jobs = new JobClient({
      queueUrl: "http://127.0.0.1:1/000000000000/nowhere",
      sqs,
      ledger: false,
      functionName: "never-invoked",
    });
    const error = await refusal(jobs.call(anything, nested(10_000)));
    expect(error.issues[0]?.kind).toBe("too_deep");
  });
});
