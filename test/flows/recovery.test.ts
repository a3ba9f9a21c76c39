import { setTimeout as sleep } from "node:timers/promises";
import { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { child, defineJob, handle, PermanentError, startWorker } from "../../src/index.ts";
import { testDynamoDb } from "../helpers/ledger-table.ts";
import { flowRig, redrive } from "./rig.ts";

const item = defineJob({
  name: "item",
  schema: z.object({ n: z.number().int() }),
  result: z.object({ n: z.number() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 1 } },
});
const sum = defineJob({ name: "sum", schema: z.object({ expected: z.number() }), retry: { maxAttempts: 2 } });

/**
 * A DynamoDB client whose first write counting a child as dead never returns: the process dies
 * while it is made. Every other call goes through.
 */
function dyingAtDeadCount() {
  const dynamodb = testDynamoDb();
  let hung = 0;
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: { pk?: { S?: string } }; ExpressionAttributeValues?: object };
      const dead = JSON.stringify(input.ExpressionAttributeValues ?? {}).includes('"dead"');
      if (context.commandName === "UpdateItemCommand" && input.Key?.pk?.S?.startsWith("flowshard#") && dead) {
        hung++;
        return new Promise<never>(() => undefined);
      }
      return next(args);
    },
    { step: "initialize", name: "dieAtDeadCount" },
  );
  return { dynamodb, hung: () => hung };
}

describe("redrive and recovery", () => {
  it("a dead child redriven from the DLQ that succeeds lets the failed continuation, redriven, run once", async () => {
    const rig = await flowRig("flow-redrive");
    let broken = true;
    let continuations = 0;
    let seen = 0;
    rig.work([
      handle(item, (p) => {
        if (p.n === 3 && broken) throw new PermanentError("child 3 is broken");
        return { n: p.n };
      }),
      handle(sum, async (_p, ctx) => {
        continuations++;
        for await (const page of ctx.childResults(item))
          seen += page.filter((c) => c.status === "succeeded").length;
      }),
    ]);
    try {
      const started = await rig.jobs.flow({
        children: Array.from({ length: 20 }, (_, n) => child(item, { n })),
        // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
        then: child(sum, { expected: 0 }),
      });
      const thenState = () => rig.jobs.getJob(sum, started.thenJobId);
      await vi.waitFor(async () => expect((await thenState())?.status).toBe("dead"), { timeout: 30_000 });
      expect(continuations).toBe(0);

      broken = false;
      const childId = started.childIds[3] as string;
      expect(await redrive(rig.sqs, rig.dlqUrl, rig.queueUrl, childId)).toBe(1);
      await vi.waitFor(async () => expect((await rig.jobs.getJob(item, childId))?.status).toBe("succeeded"), {
        timeout: 30_000,
      });
      expect(await rig.jobs.getFlow(started.flowId)).toMatchObject({ succeeded: 20, dead: 0, pending: 0 });
      // The redriven child completes no second flow: the continuation stays dead until redriven.
      await sleep(1_500);
      expect((await thenState())?.status).toBe("dead");

      expect(await redrive(rig.sqs, rig.dlqUrl, rig.queueUrl, started.thenJobId)).toBe(1);
      await vi.waitFor(async () => expect((await thenState())?.status).toBe("succeeded"), {
        timeout: 30_000,
      });
      expect(continuations).toBe(1);
      expect(seen).toBe(20);
    } finally {
      await rig.stop();
    }
  }, 120_000);

  it("a consumer that counts the last child but fails to send the continuation leaves it to the next delivery, which sends it once", async () => {
    const rig = await flowRig("flow-recovery");
    const sqs = new SQSClient({ endpoint: rig.endpoint, region: process.env.AWS_REGION ?? "us-east-1" });
    let refused = 0;
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const body = (args.input as { MessageBody?: string }).MessageBody ?? "";
        if (context.commandName === "SendMessageCommand" && body.includes('"thenOf"') && refused === 0) {
          refused++;
          throw Object.assign(new Error("refused once by the test"), {
            name: "InvalidParameterValue",
            $fault: "client",
          });
        }
        return next(args);
      },
      { step: "initialize", name: "refuseOnce" },
    );
    let continuations = 0;
    const worker = rig.work([
      handle(item, (p) => ({ n: p.n })),
      handle(sum, () => {
        continuations++;
      }),
    ]);
    await worker.stop();
    const w = startWorker({
      queueUrl: rig.queueUrl,
      handlers: [
        handle(item, (p) => ({ n: p.n })),
        handle(sum, () => {
          continuations++;
        }),
      ],
      sqs,
      ledger: rig.ledger,
      dlqUrl: rig.dlqUrl,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: "silent",
    });
    try {
      const started = await rig.jobs.flow({
        children: Array.from({ length: 5 }, (_, n) => child(item, { n })),
        // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
        then: child(sum, { expected: 10 }),
      });
      await vi.waitFor(
        async () => expect((await rig.jobs.getJob(sum, started.thenJobId))?.status).toBe("succeeded"),
        { timeout: 30_000, interval: 200 },
      );
      await sleep(1_500);
      expect(refused).toBe(1);
      expect(continuations).toBe(1);
    } finally {
      await w.stop();
    }
  }, 60_000);

  it("a consumer that dies between dead-lettering a child and counting it leaves the message for the next delivery, which counts it once", async () => {
    // Given a worker that dies while it counts a dead child (its count write never returns)
    const rig = await flowRig("flow-dead-crash");
    const dying = dyingAtDeadCount();
    let continuations = 0;
    let broken = true;
    const handlers = [
      handle(item, (p) => {
        if (p.n === 1 && broken) throw new PermanentError("child 1 is broken");
        return { n: p.n };
      }),
      handle(sum, () => {
        continuations++;
      }),
    ];
    const a = startWorker({
      queueUrl: rig.queueUrl,
      handlers,
      sqs: rig.sqs,
      ledger: { tableName: rig.tableName, dynamodb: dying.dynamodb },
      dlqUrl: rig.dlqUrl,
      waitTimeSeconds: 1,
      shutdownTimeoutMs: 200,
      handleSignals: false,
      logLevel: "silent",
    });
    try {
      const started = await rig.jobs.flow({
        children: [0, 1, 2].map((n) => child(item, { n })),
        // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
        then: child(sum, { expected: 2 }),
        onChildFailure: "continue",
      });
      const deadId = started.childIds[1] as string;
      await vi.waitFor(() => expect(dying.hung()).toBe(1), { timeout: 20_000, interval: 100 });
      expect((await rig.jobs.getJob(item, deadId))?.status).toBe("dead");
      // When that worker is gone (what it held comes back, as after its visibility timeout) and
      // another takes the queue
      await a.stop();
      rig.work(handlers);
      // Then the dead child is counted once, and the flow completes: its continuation runs once
      await vi.waitFor(
        async () => expect((await rig.jobs.getJob(sum, started.thenJobId))?.status).toBe("succeeded"),
        { timeout: 20_000, interval: 200 },
      );
      expect(await rig.jobs.getFlow(started.flowId)).toMatchObject({ succeeded: 2, dead: 1, pending: 0 });
      await sleep(1_500);
      expect(continuations).toBe(1);

      // And the DLQ holds the one copy the dying worker sent; redriven, it succeeds and moves
      // from dead to succeeded, and the flow, complete already, sends no second continuation
      broken = false;
      expect(await redrive(rig.sqs, rig.dlqUrl, rig.queueUrl, deadId)).toBe(1);
      await vi.waitFor(async () => expect((await rig.jobs.getJob(item, deadId))?.status).toBe("succeeded"), {
        timeout: 20_000,
      });
      expect(await rig.jobs.getFlow(started.flowId)).toMatchObject({ succeeded: 3, dead: 0, pending: 0 });
      await sleep(1_500);
      expect(continuations).toBe(1);
    } finally {
      await rig.stop();
    }
  }, 60_000);
});
