import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createSqsHandler,
  DLQ_ATTRIBUTES,
  defineJob,
  handle,
  JobClient,
  type SqsEvent,
} from "../../src/index.ts";
import { createTestQueue, drainQueue, queueArn, testSqs } from "../helpers/sqs.ts";
import { invokeLikeLambda, lambdaContext, memoryLogger } from "./harness.ts";

/**
 * Whatever a handler throws, describing it never throws: the attempt fails with a safe
 * description, and its neighbours are unaffected.
 */
const sqs = testSqs();

function oddValues(): [string, () => unknown][] {
  const revoked = (): unknown => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  return [
    ["Object.create(null)", () => Object.create(null)],
    [
      "an object whose toString throws",
      () => ({
        toString() {
          throw new Error("no");
        },
      }),
    ],
    [
      "an Error whose message is a number",
      () => Object.assign(new Error("x"), { message: 42 as unknown as string }),
    ],
    [
      "an Error whose name is an object",
      () => Object.assign(new Error("x"), { name: { toString: null } as unknown as string }),
    ],
    ["a revoked Proxy", revoked],
    ["null", () => null],
    ["undefined", () => undefined],
  ];
}

const odd = defineJob({
  name: "odd",
  schema: z.object({ n: z.number(), how: z.enum(["sync", "async"]) }),
  retry: { maxAttempts: 1 },
});

describe("a handler that throws a value that is not a plain Error", () => {
  it.each(["sync", "async"] as const)(
    "(%s) each one is a failed attempt with a safe description; the DLQ gets it",
    async (how) => {
      // Given one record per odd value, thrown synchronously or as a rejection
      const values = oddValues();
      const dlqUrl = await createTestQueue(sqs, `odd-${how}-dlq`);
      const queueUrl = await createTestQueue(sqs, `odd-${how}`);
      const arn = await queueArn(sqs, queueUrl);
      await new JobClient({ queueUrl, sqs }).sendBatch(
        odd,
        values.map((_, n) => ({ n, how })),
      );
      const { lines, logger } = memoryLogger();
      const handler = createSqsHandler(
        [
          handle(odd, ({ n, how }) => {
            const value = values[n]?.[1]();
            if (how === "sync") throw value;
            return Promise.reject(value);
          }),
        ],
        { sqs, dlqUrl, logger, metrics: false },
      );
      // When the batch runs (within a bound: a rejection with a revoked Proxy used to hang it)
      const started = Date.now();
      const { response } = await invokeLikeLambda(sqs, queueUrl, arn, handler, { expect: values.length });
      expect(Date.now() - started).toBeLessThan(5_000);
      // Then every record was dead-lettered as exhausted with a describable error
      expect(response.batchItemFailures).toEqual([]);
      const dead = await drainQueue(sqs, dlqUrl, { expect: values.length });
      expect(dead).toHaveLength(values.length);
      for (const m of dead) {
        const attrs = m.MessageAttributes as Record<string, MessageAttributeValue>;
        expect(attrs[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("exhausted");
        expect(attrs[DLQ_ATTRIBUTES.errorName]?.StringValue).toMatch(/\S/);
        expect(attrs[DLQ_ATTRIBUTES.errorMessage]?.StringValue).toMatch(/\S/);
        expect(attrs[DLQ_ATTRIBUTES.errorMessage]?.StringValue).not.toBe("undefined");
      }
      const failures = lines.filter((l) => l.message === "job dead");
      expect(failures).toHaveLength(values.length);
      for (const line of failures) expect(typeof line.fields?.errorMessage).toBe("string");
      expect(lines.some((l) => l.message.includes("batch core failed"))).toBe(false);
      // throw null is named as null, not as "handler threw undefined"
      expect(failures.some((l) => l.fields?.errorName === "null")).toBe(true);
    },
  );
});

describe("an event that is not an SQS batch", () => {
  it("without Records: returns no failures and logs a clear error instead of a TypeError", async () => {
    // Given a handler
    const { lines, logger } = memoryLogger();
    const handler = createSqsHandler([handle(odd, () => {})], { sqs, logger, metrics: false });
    // When it is invoked with an event that has no Records (a test event, a misrouted invoke)
    const response = await handler({} as unknown as SqsEvent, lambdaContext());
    // Then it answers with an empty list and says why
    expect(response).toEqual({ batchItemFailures: [] });
    expect(lines.some((l) => l.level === "error" && String(l.message).includes("Records"))).toBe(true);
  });
});
