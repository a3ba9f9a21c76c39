import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import * as z from "zod/mini";
import { child, defineJob, handle, JobClient, startWorker } from "../../src/index.ts";
import { createLedgerTableNamed as createLedgerTable } from "../../test/helpers/ledger-table-named.ts";
import { startDynaliteProcess } from "../lib/dynalite-process.ts";
import { benchDynamoDbClient } from "../lib/dynamodb.ts";
import { startFauxqsProcess } from "../lib/fauxqs-process.ts";
import { machineInfo } from "../lib/machine.ts";
import { writeResults } from "../lib/results.ts";
import { benchSqsClient, CallCounter, createQueue } from "../lib/sqs.ts";
import { round } from "../lib/stats.ts";

const { values: args } = parseArgs({
  options: {
    children: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "50" },
    out: { type: "string", default: fileURLToPath(new URL("../results/flows.json", import.meta.url)) },
  },
});
const CHILDREN = Number(args.children);
const CONCURRENCY = Number(args.concurrency);

const part = defineJob({
  name: "bench-part",
  schema: z.object({ n: z.number() }),
  result: z.object({ n: z.number() }),
});
const total = defineJob({ name: "bench-total", schema: z.object({}) });

/** The partition key an item write names: what kind of ledger item it writes. */
function keysWritten(command: string, input: Record<string, unknown>): string[] {
  const pk = (item: unknown) =>
    ((item as { pk?: { S?: string } } | undefined)?.pk?.S ?? "?").split("#")[0] ?? "?";
  if (command === "PutItemCommand") return [pk(input.Item)];
  if (command === "UpdateItemCommand" || command === "DeleteItemCommand") return [pk(input.Key)];
  if (command === "BatchWriteItemCommand") {
    const requests = Object.values(
      input.RequestItems as Record<string, { PutRequest?: { Item: unknown } }[]>,
    );
    return requests.flat().map((r) => pk(r.PutRequest?.Item));
  }
  return [];
}

/** Counts item writes per kind of item (`job`, `flow`, `flowshard`, `flowpage`, `unique`...). */
function countWrites(client: DynamoDBClient, byKind: CallCounter): void {
  client.middlewareStack.add(
    (next, context) => async (a) => {
      for (const kind of keysWritten(context.commandName ?? "", a.input as Record<string, unknown>))
        byKind.add(kind);
      return next(a);
    },
    { step: "deserialize", name: "benchFlowWrites" },
  );
}

/**
 * One flow of `--children` no-op children and a continuation, on fauxqs and dynalite in their own
 * processes, drained by one worker: the ledger item writes per child beyond the child's own job
 * item (target: 1), the time from the last child's handler returning to the continuation's
 * handler starting, and that the flow completes with its continuation run once.
 */
async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? 0;
  const [fauxqs, dynalite] = await Promise.all([startFauxqsProcess(), startDynaliteProcess()]);
  try {
    const sqs = benchSqsClient(fauxqs.endpoint);
    const queueUrl = await createQueue(sqs, `bench-flows-${process.pid}`);
    const tableName = `bench-flows-${process.pid}`;
    await createLedgerTable(benchDynamoDbClient(dynalite.endpoint), tableName);
    const byKind = new CallCounter();
    const calls = new CallCounter();
    const producerDb = benchDynamoDbClient(dynalite.endpoint, { calls });
    const consumerDb = benchDynamoDbClient(dynalite.endpoint, { calls });
    countWrites(producerDb, byKind);
    countWrites(consumerDb, byKind);

    let lastChildEnd = 0;
    let continuationStart = 0;
    let continuations = 0;
    let done = 0;
    let finished: () => void = () => {};
    const complete = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const worker = startWorker({
      queueUrl,
      sqs: benchSqsClient(fauxqs.endpoint),
      ledger: { tableName, dynamodb: consumerDb },
      concurrency: CONCURRENCY,
      waitTimeSeconds: 1,
      handleSignals: false,
      logLevel: "warn",
      handlers: [
        handle(part, (p) => {
          lastChildEnd = Date.now();
          done++;
          return { n: p.n };
        }),
        handle(total, async (_p, ctx) => {
          continuationStart = Date.now();
          continuations++;
          let seen = 0;
          for await (const page of ctx.childResults(part, { pageSize: 1_000 })) seen += page.length;
          if (seen !== CHILDREN) throw new Error(`the continuation read ${seen} children of ${CHILDREN}`);
          finished();
        }),
      ],
    });
    const jobs = new JobClient({ queueUrl, sqs, ledger: { tableName, dynamodb: producerDb } });
    const started = Date.now();
    const flow = await jobs.flow({
      children: Array.from({ length: CHILDREN }, (_, n) => child(part, { n })),
      // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
      then: child(total, {}),
    });
    const sentMs = Date.now() - started;
    await complete;
    const wallMs = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await worker.stop();
    const progress = await jobs.getFlow(flow.flowId);
    const writes = byKind.snapshot();
    const flowWrites = (writes.flow ?? 0) + (writes.flowshard ?? 0) + (writes.flowpage ?? 0);
    const results = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      load: { before: loadBefore, after: loadavg()[0] ?? 0 },
      children: CHILDREN,
      concurrency: CONCURRENCY,
      continuations,
      childrenRun: done,
      progress,
      itemWritesByKind: writes,
      flowItemWritesPerChild: round(flowWrites / CHILDREN, 4),
      jobItemWritesPerChild: round((writes.job ?? 0) / CHILDREN, 4),
      lastChildEndToContinuationStartMs: continuationStart - lastChildEnd,
      sendMs: sentMs,
      wallMs,
      requests: calls.snapshot(),
    };
    console.log(JSON.stringify(results, null, 2));
    await writeResults(args.out, results);
  } finally {
    await Promise.all([fauxqs.stop(), dynalite.stop()]);
  }
}

await main();
