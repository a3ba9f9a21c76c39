import { randomUUID } from "node:crypto";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DLQ_ATTRIBUTES } from "../../src/core/dead-letter-attributes.ts";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { defineJob, handle, type JobHandler, startWorker } from "../../src/index.ts";
import { LEDGER_KEY, slotItemKey } from "../../src/ledger/table-layout.ts";
import { eventually } from "../helpers/eventually.ts";
import { testDynamoDb } from "../helpers/ledger-table.ts";
import { createTestQueue, drainQueue, queueDepth, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "./fixture.ts";

const sqs = testSqs();
const { client: dynamodb, newLedger } = ledgerFixture();

/** A job of one concurrency slot, so a slot left behind shows as an item in the table. */
const deep = defineJob({
  name: "deep",
  schema: z.any(),
  concurrency: { key: "all", limit: 1 },
  timeoutSeconds: 4,
  retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 1 } },
});

/** A payload nested `depth` arrays deep: JSON.parse reads it, JSON.stringify overflows the stack. */
function nested(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

async function rig(label: string, handlers: JobHandler[], client = dynamodb) {
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`);
  const queueUrl = await createTestQueue(sqs, label, { attributes: { VisibilityTimeout: "30" } });
  const { tableName } = await newLedger();
  const worker = startWorker({
    queueUrl,
    handlers,
    sqs,
    ledger: { tableName, dynamodb: client },
    dlqUrl,
    waitTimeSeconds: 1,
    handleSignals: false,
    logLevel: "silent",
  });
  const send = (payloadJson: string) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: encodeEnvelopeJson(deep.name, randomUUID(), new Date().toISOString(), payloadJson),
      }),
    );
  const slotHeld = async () => {
    const key = { [LEDGER_KEY]: { S: slotItemKey(deep.name, "all", 0) } };
    const out = await dynamodb.send(
      new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    return out.Item !== undefined;
  };
  return { queueUrl, dlqUrl, worker, send, slotHeld };
}

describe("the claim path", () => {
  it("a 10,000-deep payload that passed its schema runs once, and its concurrency slot is free after", async () => {
    // Given a job whose schema takes any JSON, sent a payload 10,000 arrays deep
    const ran: number[] = [];
    const { worker, send, slotHeld, queueUrl } = await rig("claim-deep", [
      handle(deep, (_payload, ctx) => {
        ran.push(ctx.attempt);
      }),
    ]);
    try {
      await send(nested(10_000));
      // Then it runs once, at its first attempt, well before a 10 s wait would end
      await eventually(
        () => Promise.resolve(ran.length),
        (n) => n === 1,
        8_000,
      );
      expect(ran).toEqual([1]);
      await eventually(
        () => queueDepth(sqs, queueUrl),
        (d) => d.visible + d.inFlight + d.delayed === 0,
        5_000,
      );
      // And it left no slot behind
      expect(await slotHeld()).toBe(false);
    } finally {
      await worker.stop();
    }
  }, 20_000);

  it.each([
    ["an AWS error", () => Object.assign(new Error("simulated outage"), { name: "InternalServerError" })],
    ["a thrown string", () => "not an Error"],
  ])(
    "a claim that throws (%s) is a failed attempt: dead-lettered as exhausted at maxAttempts, slot freed, never run",
    async (_label, thrown) => {
      // Given a ledger whose claim write (an UpdateItem) always fails, and whose slot writes work
      const failing = testDynamoDb();
      failing.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === "UpdateItemCommand") throw thrown();
          return next(args);
        },
        { step: "initialize" },
      );
      let ran = 0;
      const { worker, send, slotHeld, dlqUrl, queueUrl } = await rig(
        "claim-throws",
        [handle(deep, () => void ran++)],
        failing,
      );
      try {
        await send("{}");
        // Then the job reaches the DLQ after its 2 attempts (1 s apart), with the reason and the claim's error
        await eventually(
          () => queueDepth(sqs, dlqUrl),
          (d) => d.visible === 1,
          10_000,
        );
        const dead = await drainQueue(sqs, dlqUrl, { expect: 1, quietMs: 500 });
        expect(dead).toHaveLength(1);
        const attributes = dead[0]?.MessageAttributes ?? {};
        expect(attributes[DLQ_ATTRIBUTES.reason]?.StringValue).toBe("exhausted");
        expect(attributes[DLQ_ATTRIBUTES.attempts]?.StringValue).toBe("2");
        expect(attributes[DLQ_ATTRIBUTES.errorName]?.StringValue).toBe("SqsJobsError");
        expect(ran).toBe(0);
        expect(await slotHeld()).toBe(false);
        expect(await queueDepth(sqs, queueUrl)).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
      } finally {
        await worker.stop();
        failing.destroy();
      }
    },
    30_000,
  );
});
