import { parseArgs } from "node:util";
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from "@aws-sdk/client-sqs";
import { JobClient } from "../../src/index.ts";
import { ownCpuMs } from "../lib/cpu.ts";
import { runPool } from "../lib/pool.ts";
import { round, spread } from "../lib/stats.ts";
import { benchJob, CONCURRENCY, makeWorkload, type Workload } from "./methods.ts";

/**
 * sendBatch's own cost, without network or emulator noise: every SendMessageBatch is answered
 * in-process by a middleware placed before the SDK serialises, signs or sends anything, so what is
 * left is the library's work (validation, ids, envelopes, packing, bookkeeping) against the same
 * loop done by hand.
 */
function stubClient(): SQSClient {
  const client = new SQSClient({
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  client.middlewareStack.add(
    () => async (args) => {
      const input = args.input as SendMessageBatchCommandInput;
      const successful = (input.Entries ?? []).map((e) => ({
        Id: e.Id,
        MessageId: "00000000-0000-4000-8000-000000000000",
        MD5OfMessageBody: "",
      }));
      return { output: { Successful: successful, Failed: [], $metadata: {} }, response: {} };
    },
    { step: "initialize", name: "benchAnswerInProcess", priority: "high" },
  );
  return client;
}

async function viaSendBatch(sqs: SQSClient, work: Workload): Promise<void> {
  const client = new JobClient({ queueUrl: "http://127.0.0.1:1/000000000000/bench", sqs });
  const result = await client.sendBatch(benchJob, work.payloads);
  if (result.succeeded !== work.payloads.length) throw new Error("stubbed sendBatch lost items");
}

async function viaRawLoop(sqs: SQSClient, work: Workload): Promise<void> {
  const n = work.bodies.length;
  await runPool(Math.ceil(n / 10), CONCURRENCY, async (chunk) => {
    const entries = [];
    for (let i = chunk * 10; i < Math.min(n, chunk * 10 + 10); i++) {
      entries.push({ Id: String(i), MessageBody: work.bodies[i], MessageAttributes: work.attributes });
    }
    await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: "http://127.0.0.1:1/000000000000/bench", Entries: entries }),
    );
  });
}

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "20000" },
    repetitions: { type: "string", default: "7" },
  },
});
const messages = Number(args.messages);
const collectGarbage = (globalThis as { gc?: () => void }).gc;
const sqs = stubClient();
const runs = { sendBatch: [] as number[], rawLoop: [] as number[] };
for (let rep = -1; rep < Number(args.repetitions); rep++) {
  const work = makeWorkload(messages);
  for (const [name, fn] of [
    ["sendBatch", viaSendBatch],
    ["rawLoop", viaRawLoop],
  ] as const) {
    collectGarbage?.();
    const cpu0 = ownCpuMs();
    await fn(sqs, work);
    // The first round only warms the JIT.
    if (rep >= 0) runs[name].push(((ownCpuMs() - cpu0) * 1000) / messages);
  }
}
const sendBatch = spread(runs.sendBatch, 1);
const rawLoop = spread(runs.rawLoop, 1);
console.log(
  JSON.stringify(
    {
      messages,
      clientCpuMsPer1k: { sendBatch, rawLoop },
      sendBatchExtraMsPer1k: round(sendBatch.median - rawLoop.median, 1),
    },
    null,
    2,
  ),
);
