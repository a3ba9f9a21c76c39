import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { queueNameOf } from "../../src/core/queue-url.ts";
import { createLedgerTableNamed as createLedgerTable } from "../../test/helpers/ledger-table-named.ts";
import { ownCpuMs, processCpuMs } from "../lib/cpu.ts";
import { startDynaliteProcess } from "../lib/dynalite-process.ts";
import { benchDynamoDbClient, countItems } from "../lib/dynamodb.ts";
import { startFauxqsProcess } from "../lib/fauxqs-process.ts";
import { machineInfo } from "../lib/machine.ts";
import { writeResults } from "../lib/results.ts";
import type { ServerProcess } from "../lib/server-process.ts";
import { benchSqsClient, CallCounter, countMessages, createQueue, deleteQueue } from "../lib/sqs.ts";
import { round } from "../lib/stats.ts";
import { callsPerMessage, ratioWithin, type ThroughputSample, throughputSummary } from "../lib/throughput.ts";
import { CONCURRENCY, makeWorkload, type Workload } from "../producer/methods.ts";
import { measureCallRoundTrip } from "./call.ts";
import { ledgerItems, SEND_METHODS, type SendMethod } from "./send.ts";
import { measureWritesPerJob } from "./writes.ts";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "20000" },
    repetitions: { type: "string", default: "5" },
    warmup: { type: "string", default: "2000" },
    "settle-ms": { type: "string", default: "1000" },
    jobs: { type: "string", default: "2000" },
    calls: { type: "string", default: "2000" },
    only: { type: "string" },
    out: { type: "string", default: fileURLToPath(new URL("../results/ledger.json", import.meta.url)) },
  },
});
const MESSAGES = Number(args.messages);
const REPETITIONS = Number(args.repetitions);
const WARMUP = Number(args.warmup);
const SETTLE_MS = Number(args["settle-ms"]);
const JOBS = Number(args.jobs);
const CALLS = Number(args.calls);
/** `--only "a,b"` runs a subset of the send methods; the results file then lacks the others. */
const SELECTED =
  args.only === undefined ? SEND_METHODS : SEND_METHODS.filter((m) => args.only?.split(",").includes(m.name));

const collectGarbage = (globalThis as { gc?: () => void }).gc;

interface Emulators {
  readonly fauxqs: ServerProcess;
  readonly dynalite: ServerProcess;
}

const emulatorCpuMs = ({ fauxqs, dynalite }: Emulators) =>
  processCpuMs(fauxqs.pid) + processCpuMs(dynalite.pid);

let seq = 0;

async function measure(emulators: Emulators, method: SendMethod, work: Workload): Promise<ThroughputSample> {
  const adminSqs = benchSqsClient(emulators.fauxqs.endpoint);
  const adminDb = benchDynamoDbClient(emulators.dynalite.endpoint);
  // One counter for both clients: calls per message then counts SQS and DynamoDB requests alike.
  const counter = new CallCounter();
  const sqs = benchSqsClient(emulators.fauxqs.endpoint, counter);
  const dynamodb = benchDynamoDbClient(emulators.dynalite.endpoint, { calls: counter });
  const name = `bench-ledger-${process.pid}-${seq++}`;
  const queueUrl = await createQueue(adminSqs, name);
  await createLedgerTable(adminDb, name);
  const items = ledgerItems(work, queueNameOf(queueUrl));
  collectGarbage?.();
  // Both emulators finish the previous method's work before the clock starts.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

  const cpu0 = ownCpuMs();
  const emu0 = emulatorCpuMs(emulators);
  const t0 = performance.now();
  await method.run({ sqs, dynamodb, queueUrl, tableName: name, items }, work);
  const elapsedMs = performance.now() - t0;
  const clientCpuMs = ownCpuMs() - cpu0;
  const emulatorMs = emulatorCpuMs(emulators) - emu0;

  // A method must not win by losing messages or entries.
  const expected = work.bodies.length;
  const held = await countMessages(adminSqs, queueUrl);
  const entries = method.records ? await countItems(adminDb, name) : expected;
  if (held !== expected || entries !== expected) {
    throw new Error(
      `${method.name}: the queue holds ${held} messages and the ledger ${entries} entries, expected ${expected}`,
    );
  }
  await deleteQueue(adminSqs, queueUrl);
  await adminDb.send(new DeleteTableCommand({ TableName: name }));
  for (const c of [sqs, dynamodb, adminSqs, adminDb]) c.destroy();
  return {
    msgsPerSec: (expected * 1000) / elapsedMs,
    calls: counter.snapshot(),
    clientCpuMs,
    emulatorCpuMs: emulatorMs,
  };
}

async function main(): Promise<void> {
  const [fauxqs, dynalite] = await Promise.all([startFauxqsProcess(), startDynaliteProcess()]);
  const emulators = { fauxqs, dynalite };
  const samples = new Map<string, ThroughputSample[]>(SELECTED.map((m) => [m.name, []]));
  let writes: Awaited<ReturnType<typeof measureWritesPerJob>>;
  try {
    const warm = makeWorkload(WARMUP);
    for (const method of SELECTED) await measure(emulators, method, warm);
    console.log(`warm-up done (${WARMUP} messages per method); ${REPETITIONS} x ${MESSAGES} messages`);

    for (let rep = 0; rep < REPETITIONS; rep++) {
      const work = makeWorkload(MESSAGES);
      // Rotate the order each repetition so no method always runs first, or right after the slowest.
      for (let k = 0; k < SELECTED.length; k++) {
        const method = SELECTED[(rep + k) % SELECTED.length] as SendMethod;
        const s = await measure(emulators, method, work);
        samples.get(method.name)?.push(s);
        console.log(
          `rep ${rep + 1} ${method.name.padEnd(42)} ${Math.round(s.msgsPerSec).toString().padStart(6)} msg/s  client ${round((s.clientCpuMs * 1000) / MESSAGES, 1)} ms/1k  emulators ${round((s.emulatorCpuMs * 1000) / MESSAGES, 1)} ms/1k  calls ${JSON.stringify(s.calls)}`,
        );
      }
    }

    writes = await measureWritesPerJob(fauxqs, dynalite, JOBS);
    console.log(
      `writes per job (${JOBS} jobs, sendBatch + startWorker): ${writes.itemsWrittenPerJob} items in ${writes.writeRequestsPerJob} write requests, ${writes.readRequestsPerJob} reads`,
    );
  } finally {
    await Promise.all([fauxqs.stop(), dynalite.stop()]);
  }
  const call = await measureCallRoundTrip(CALLS);
  console.log(
    `call round trip (${CALLS} calls, one at a time): ${call.callMedianUs} us vs raw Invoke ${call.rawInvokeMedianUs} us, ratio ${call.ratio}`,
  );

  const methods = Object.fromEntries(
    SELECTED.map((m) => {
      const list = samples.get(m.name) ?? [];
      const summary = throughputSummary(list, MESSAGES);
      return [
        m.name,
        {
          description: m.description,
          msgsPerSec: summary.msgsPerSec,
          callsPerMessage: summary.callsPerMessage,
          sendMessageBatchCallsPerMessage: callsPerMessage(list, MESSAGES, "SendMessageBatchCommand"),
          batchWriteItemCallsPerMessage: callsPerMessage(list, MESSAGES, "BatchWriteItemCommand"),
          clientCpuMsPer1k: summary.clientCpuMsPer1k,
          emulatorCpuMsPer1k: summary.emulatorCpuMsPer1k,
        },
      ];
    }),
  );

  const ratio = (a: string, b: string) => ratioWithin(samples, a, b) ?? null;
  const on = "sqs-jobs sendBatch (ledger on)";
  const ratios = {
    ledgerOnVsRawLedgerLoop: ratio(on, "raw SDK BatchWriteItem + SendMessageBatch"),
    ledgerOnVsLedgerOff: ratio(on, "sqs-jobs sendBatch (ledger off)"),
    rawLedgerLoopVsRawSqsLoop: ratio(
      "raw SDK BatchWriteItem + SendMessageBatch",
      "raw SDK SendMessageBatch (no ledger)",
    ),
  };
  const throughputRatio = ratios.ledgerOnVsRawLedgerLoop?.median;
  const targets = {
    "sendBatch with the ledger on >= 0.9x the raw SDK BatchWriteItem + SendMessageBatch loop at equal concurrency":
      throughputRatio === undefined
        ? { target: 0.9, actual: null, met: null }
        : { target: 0.9, actual: throughputRatio, met: throughputRatio >= 0.9 },
    "call round trip <= 1.2x a raw Lambda Invoke of the same function": {
      target: 1.2,
      actual: call.ratio,
      met: call.ratio <= 1.2,
    },
    "DynamoDB items written per tracked job that succeeds first time <= 3": {
      target: 3,
      actual: writes.itemsWrittenPerJob,
      met: writes.itemsWrittenPerJob <= 3,
    },
  };

  const results = {
    benchmark: "ledger",
    date: new Date().toISOString(),
    node: process.version,
    machine: machineInfo(),
    emulator:
      "fauxqs (SQS) and dynalite (DynamoDB), each in its own process, in memory, on loopback; emulator CPU is both",
    messages: MESSAGES,
    repetitions: REPETITIONS,
    concurrency: CONCURRENCY,
    gcBetweenMethods: collectGarbage !== undefined,
    methods,
    ratios,
    writesPerJob: writes,
    callRoundTrip: call,
    targets,
    notes: [
      "callsPerMessage counts SQS and DynamoDB requests together; sendMessageBatchCallsPerMessage and batchWriteItemCallsPerMessage split them.",
      "writesPerJob: itemsWritten is what DynamoDB bills (a write unit per item up to 1 KB); a BatchWriteItem of 25 entries is 1 request and 25 items.",
      "callRoundTrip: JobClient.call vs an InvokeCommand of the same function with a prebuilt event, one at a time, against a loopback Invoke API in its own process that runs the sqs-jobs handler (Lambda's own overhead, ~ms, would shrink the ratio on AWS).",
    ],
  };
  await writeResults(args.out, results);
  console.log(JSON.stringify({ ratios, targets }, null, 2));
  console.log(`written to ${args.out}`);
}

await main();
