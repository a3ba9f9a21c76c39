import { setTimeout as sleep } from "node:timers/promises";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClient as SqsClientType,
} from "@aws-sdk/client-sqs";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { child, defineJob, handle, PermanentError, startWorker } from "../../src/index.ts";
import { flowRig } from "./rig.ts";

const item = defineJob({
  name: "item",
  schema: z.object({ n: z.number().int() }),
  result: z.object({ n: z.number() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 1 } },
});
const sum = defineJob({ name: "sum", schema: z.object({ expected: z.number() }), retry: { maxAttempts: 2 } });

/** Moves every message of `dlqUrl` whose body mentions `match` back to `queueUrl`, as a redrive does. */
async function redrive(sqs: SqsClientType, dlqUrl: string, queueUrl: string, match: string): Promise<number> {
  let moved = 0;
  for (let round = 0; round < 10; round++) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ["All"],
        WaitTimeSeconds: 1,
      }),
    );
    for (const m of out.Messages ?? []) {
      if (!m.Body?.includes(match)) {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: dlqUrl,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
        continue;
      }
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: m.Body,
          MessageAttributes: m.MessageAttributes,
        }),
      );
      await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
      moved++;
    }
    if (moved > 0 && (out.Messages ?? []).length === 0) break;
  }
  return moved;
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
});
