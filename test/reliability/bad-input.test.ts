import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import {
  ConfigError,
  defineJob,
  InvalidOptionError,
  JobClient,
  type JobDefinition,
  PayloadTooLargeError,
  type SendOptions,
  type SqsJobsError,
  ValidationError,
} from "../../src/index.ts";
import { createTestQueue, drainQueue, queueDepth, testSqs } from "../helpers/sqs.ts";

/**
 * Producer input that must be refused before the network, with a typed error whose message says
 * what is wrong and how to fix it, never the payload, and with nothing in the queue. Cases already
 * in test/producer (wrong types on send, oversize, delay 901, FIFO without a group) are extended
 * here to sendBatch (one bad item among good ones), to NaN/Infinity/undefined that JSON silently
 * turns into null, and to the queue staying empty.
 */
const sqs = testSqs();
/** Every payload below carries this, so a message that echoes payload contents is caught. */
const SECRET = "s3cr3t-7f1d";

const order = defineJob({
  name: "order",
  schema: z.object({ note: z.string(), qty: z.number().int().positive(), tags: z.array(z.string()) }),
});
const measured = defineJob({
  name: "measured",
  schema: z.object({
    note: z.string(),
    value: z.number().nullable(),
    points: z.array(z.number().nullable()),
  }),
});
const anything = defineJob({ name: "anything", schema: z.unknown() });

type Case = {
  readonly name: string;
  readonly job: JobDefinition;
  readonly bad: unknown;
  readonly good: unknown;
  readonly error: new (...args: never[]) => SqsJobsError;
  readonly message: RegExp;
};

const cycle: Record<string, unknown> = { note: SECRET };
cycle.self = cycle;

const cases: readonly Case[] = [
  {
    name: "a string where a number is expected",
    job: order,
    bad: { note: SECRET, qty: "3", tags: [] },
    good: { note: "x", qty: 1, tags: [] },
    error: ValidationError,
    message: /qty: .*number/i,
  },
  {
    name: "a missing field",
    job: order,
    bad: { note: SECRET, qty: 1 },
    good: { note: "x", qty: 1, tags: [] },
    error: ValidationError,
    message: /tags: /,
  },
  {
    name: "a BigInt",
    job: anything,
    bad: { note: SECRET, n: 10n },
    good: { n: 1 },
    error: ValidationError,
    message: /not JSON-serialisable.*BigInt/,
  },
  {
    name: "a cycle",
    job: anything,
    bad: cycle,
    good: { n: 1 },
    error: ValidationError,
    message: /not JSON-serialisable.*circular/i,
  },
  {
    name: "a function as the whole payload",
    job: anything,
    bad: () => SECRET,
    good: { n: 1 },
    error: ValidationError,
    message: /cannot be sent as JSON/,
  },
  {
    name: "undefined in an array of strings",
    job: order,
    bad: { note: SECRET, qty: 1, tags: ["a", undefined] },
    good: { note: "x", qty: 1, tags: [] },
    error: ValidationError,
    message: /tags\[1\]/,
  },
  {
    name: "undefined in an array of nullable numbers (JSON would send null)",
    job: measured,
    bad: { note: SECRET, value: 1, points: [1, undefined] },
    good: { note: "x", value: 1, points: [] },
    error: ValidationError,
    message: /points\[1\]: .*undefined.*null/,
  },
  {
    name: "NaN in a nullable number (JSON would send null)",
    job: measured,
    bad: { note: SECRET, value: Number.NaN, points: [] },
    good: { note: "x", value: 1, points: [] },
    error: ValidationError,
    message: /value: .*NaN.*null/,
  },
  {
    name: "Infinity under a schema that accepts anything",
    job: anything,
    bad: { note: SECRET, ratio: Number.POSITIVE_INFINITY },
    good: { n: 1 },
    error: ValidationError,
    message: /ratio: .*Infinity.*null/,
  },
];

let queueUrl: string;
let fifoUrl: string;
let jobs: JobClient;

beforeAll(async () => {
  queueUrl = await createTestQueue(sqs, "bad-input");
  fifoUrl = await createTestQueue(sqs, "bad-input", { fifo: true });
  jobs = new JobClient({ queueUrl, sqs });
});

afterAll(async () => {
  // Then, after every case: nothing reached either queue.
  expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  expect(await queueDepth(sqs, fifoUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
});

function expectClear(error: unknown, kind: Case["error"], message: RegExp) {
  expect(error).toBeInstanceOf(kind);
  expect((error as SqsJobsError).code).toMatch(/^ERR_/);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain(SECRET);
}

describe("bad producer input", () => {
  it.each(cases)("send refuses $name with a typed error and sends nothing", async (c) => {
    // Given a bad payload; When it is sent
    const error = await jobs.send(c.job, c.bad as never).catch((e: unknown) => e);
    // Then a typed, payload-free error says what is wrong
    expectClear(error, c.error, c.message);
    expect(await queueDepth(sqs, queueUrl)).toMatchObject({ visible: 0 });
  });

  it.each(cases)("sendBatch refuses $name among 9 good items and sends none of them", async (c) => {
    // Given nine good payloads and a bad one at index 6
    const payloads = Array.from({ length: 10 }, (_, i) => (i === 6 ? c.bad : c.good));
    // When the batch is sent
    const error = await jobs.sendBatch(c.job, payloads as never[]).catch((e: unknown) => e);
    // Then the error names index 6 only, and no item was sent
    expectClear(error, ValidationError, /^1 of 10 payloads/);
    expect(new Set((error as ValidationError).issues.map((i) => i.path[0]))).toEqual(new Set([6]));
    expect(await queueDepth(sqs, queueUrl)).toMatchObject({ visible: 0 });
  });

  it("sends a Date where the schema wants a string as its ISO string (JSON's own conversion)", async () => {
    // Given a plain-JS caller passing a Date to a string field (TypeScript refuses this at compile time)
    const stamped = defineJob({ name: "stamped", schema: z.object({ at: z.string() }) });
    const other = await createTestQueue(sqs, "bad-input-date");
    const client = new JobClient({ queueUrl: other, sqs });
    // @ts-expect-error at must be a string
    await client.send(stamped, { at: new Date(0) });
    // Then the consumer receives the string that the schema accepts: nothing is lost or poison
    const [message] = await drainQueue(sqs, other, { expect: 1 });
    expect(decodeEnvelope(message?.Body ?? "").payload).toEqual({ at: "1970-01-01T00:00:00.000Z" });
  });

  it("refuses an oversize item in a batch by index, and an oversize send with size and limit", async () => {
    const blob = defineJob({ name: "blob", schema: z.object({ data: z.string() }) });
    const big = { data: `${SECRET}${"x".repeat(1_048_576)}` };
    expectClear(await jobs.send(blob, big).catch((e: unknown) => e), PayloadTooLargeError, /bytes.*S3/);
    const error = await jobs.sendBatch(blob, [{ data: "a" }, big, { data: "b" }]).catch((e: unknown) => e);
    expectClear(error, ValidationError, /\[1\]: message is \d+ bytes, above the limit of 1048576/);
  });

  it.each([[-1], [1.5], [31_536_001], [Number.NaN]])(
    "refuses delaySeconds %s on send and sendBatch, saying what Scheduler takes above 900",
    async (delaySeconds) => {
      const options: SendOptions = { delaySeconds };
      const good = { note: "x", qty: 1, tags: [] };
      const message = /delaySeconds must be an integer between 0 and 31536000 \(a year; above 900.*Scheduler/;
      expectClear(
        await jobs.send(order, good, options).catch((e: unknown) => e),
        InvalidOptionError,
        message,
      );
      expectClear(
        await jobs.sendBatch(order, [good], options).catch((e: unknown) => e),
        InvalidOptionError,
        message,
      );
    },
  );

  it("refuses FIFO sends without a group, with a delay, or with an invalid group id", async () => {
    const fifo = new JobClient({ queueUrl: fifoUrl, sqs });
    const good = { note: "x", qty: 1, tags: [] };
    const noGroup = /without a message group: pass \{ groupId \} or define fifo.groupId/;
    expectClear(await fifo.send(order, good).catch((e: unknown) => e), InvalidOptionError, noGroup);
    expectClear(
      await fifo.sendBatch(order, [good, good]).catch((e: unknown) => e),
      InvalidOptionError,
      noGroup,
    );
    expectClear(
      await fifo.sendBatch(order, [good], { groupId: "g", delaySeconds: 1 }).catch((e: unknown) => e),
      InvalidOptionError,
      /FIFO queue; set the queue's DelaySeconds/,
    );
    for (const groupId of ["has space", "", "g".repeat(129), "é"]) {
      expectClear(
        await fifo.send(order, good, { groupId }).catch((e: unknown) => e),
        InvalidOptionError,
        /groupId must be 1-128 printable ASCII/,
      );
    }
  });

  it("refuses batch settings out of range with a ConfigError naming the setting", async () => {
    const good = { note: "x", qty: 1, tags: [] };
    for (const [options, message] of [
      [{ concurrency: 0 }, /concurrency must be an integer between 1 and 100/],
      [{ concurrency: 2.5 }, /concurrency must be an integer between 1 and 100/],
      [{ maxRetries: -1 }, /maxRetries must be an integer between 0 and 20/],
    ] as const) {
      expectClear(
        await jobs.sendBatch(order, [good], options).catch((e: unknown) => e),
        ConfigError,
        message,
      );
    }
  });
});
