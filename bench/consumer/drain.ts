import {
  DeleteMessageBatchCommand,
  type MessageSystemAttributeName,
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { Consumer } from "sqs-consumer";
import { handle, JobClient, startWorker } from "../../src/index.ts";
import { ownCpuMs, processCpuMs } from "../lib/cpu.ts";
import type { FauxqsProcess } from "../lib/fauxqs-process.ts";
import {
  benchSqsClient,
  CallCounter,
  countMessages,
  createQueue,
  deleteQueue,
  onDeleted,
} from "../lib/sqs.ts";
import { round } from "../lib/stats.ts";
import { callsPerMessage, ratioWithin, type ThroughputSample, throughputSummary } from "../lib/throughput.ts";
import { benchJob, benchPayload } from "./workload.ts";

/**
 * The worker as a user would run a fast, I/O-light job: 40 jobs at once, so ceil(40 / 10) = 4
 * receives in flight, 10 messages per receive, the default 20 s long poll.
 */
export const WORKER_SETTINGS = { concurrency: 40, batchSize: 10, waitTimeSeconds: 20 } as const;
const POLLERS = Math.ceil(WORKER_SETTINGS.concurrency / WORKER_SETTINGS.batchSize);

/** What every method asks for on receive: the worker's attributes, so the bytes on the wire match. */
const SYSTEM_ATTRIBUTES: MessageSystemAttributeName[] = [
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "SentTimestamp",
  "MessageGroupId",
];

const noop = async (): Promise<void> => {};

interface Drain {
  /** Resolves when `target` messages have been deleted (the clock stops there). */
  readonly drained: Promise<void>;
  /** Stops the consumer after the clock; not timed. */
  stop(): Promise<void>;
  /** Handler invocations, to catch a message handled twice. */
  handled(): number;
}

interface DrainMethod {
  readonly name: string;
  readonly description: string;
  start(sqs: SQSClient, queueUrl: string, drained: Promise<void>): Drain;
}

const sqsJobsWorker: DrainMethod = {
  name: "sqs-jobs startWorker",
  description: `startWorker({ concurrency: ${WORKER_SETTINGS.concurrency}, batchSize: ${WORKER_SETTINGS.batchSize}, waitTimeSeconds: ${WORKER_SETTINGS.waitTimeSeconds}, logLevel: 'warn' }): ${POLLERS} receives in flight, envelope decode + zod validation per message, batched deletes`,
  start(sqs, queueUrl, drained) {
    let handled = 0;
    const worker = startWorker({
      queueUrl,
      sqs,
      handlers: [
        handle(benchJob, async () => {
          handled++;
        }),
      ],
      ...WORKER_SETTINGS,
      logLevel: "warn",
      handleSignals: false,
    });
    return { drained, stop: () => worker.stop(), handled: () => handled };
  },
};

const sqsConsumer: DrainMethod = {
  name: "sqs-consumer",
  description:
    "one sqs-consumer 14 instance, handleMessageBatch (a no-op returning the batch, so all are deleted), batchSize 10, waitTimeSeconds 20, the same attributes requested",
  start(sqs, queueUrl, drained) {
    let handled = 0;
    const consumer = Consumer.create({
      queueUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: WORKER_SETTINGS.waitTimeSeconds,
      messageAttributeNames: ["All"],
      messageSystemAttributeNames: SYSTEM_ATTRIBUTES,
      handleMessageBatch: async (messages) => {
        handled += messages.length;
        await noop();
        return messages;
      },
    });
    consumer.start();
    return {
      drained,
      async stop() {
        const stopped = new Promise<void>((resolve) => consumer.once("stopped", () => resolve()));
        // abort cuts off the long poll in flight; the queue is empty by then, so it holds nothing.
        consumer.stop({ abort: true });
        await stopped;
      },
      handled: () => handled,
    };
  },
};

const rawLoop: DrainMethod = {
  name: "raw SDK loop",
  description: `${POLLERS} loops of ReceiveMessage (10, WaitTimeSeconds 20, the same attributes) -> no-op per message -> DeleteMessageBatch; no validation, no envelope`,
  start(sqs, queueUrl, drained) {
    let handled = 0;
    let done = false;
    const abort = new AbortController();
    const poller = async (): Promise<void> => {
      while (!done) {
        let out: ReceiveMessageCommandOutput;
        try {
          out = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: WORKER_SETTINGS.waitTimeSeconds,
              MessageAttributeNames: ["All"],
              MessageSystemAttributeNames: SYSTEM_ATTRIBUTES,
            }),
            { abortSignal: abort.signal },
          );
        } catch (error) {
          if (done) return;
          throw error;
        }
        const messages = out.Messages ?? [];
        if (messages.length === 0) continue;
        await Promise.all(messages.map(() => noop()));
        handled += messages.length;
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    };
    const loops = Promise.all(Array.from({ length: POLLERS }, poller));
    return {
      drained,
      async stop() {
        done = true;
        abort.abort();
        await loops;
      },
      handled: () => handled,
    };
  },
};

export const DRAIN_METHODS: readonly DrainMethod[] = [sqsJobsWorker, sqsConsumer, rawLoop];

let queueSeq = 0;
const collectGarbage = (globalThis as { gc?: () => void }).gc;

async function measure(
  fauxqs: FauxqsProcess,
  method: DrainMethod,
  messages: number,
  settleMs: number,
): Promise<ThroughputSample> {
  const admin = benchSqsClient(fauxqs.endpoint);
  const queueUrl = await createQueue(admin, `bench-consumer-${process.pid}-${queueSeq++}`);
  // Pre-loaded by the real producer, so bodies and attributes are what consumers see in production.
  const sent = await new JobClient({ queueUrl, sqs: admin }).sendBatch(
    benchJob,
    Array.from({ length: messages }, (_, i) => benchPayload(i)),
  );
  if (sent.failed > 0) throw new Error(`pre-loading failed for ${sent.failed} messages`);

  const counter = new CallCounter();
  const sqs = benchSqsClient(fauxqs.endpoint, counter);
  let deleted = 0;
  let reached: () => void = () => {};
  const drained = new Promise<void>((resolve) => {
    reached = resolve;
  });
  onDeleted(sqs, (n) => {
    deleted += n;
    if (deleted >= messages) reached();
  });
  collectGarbage?.();
  await new Promise((resolve) => setTimeout(resolve, settleMs));

  const cpu0 = ownCpuMs();
  const emu0 = processCpuMs(fauxqs.pid);
  const t0 = performance.now();
  const run = method.start(sqs, queueUrl, drained);
  await run.drained;
  const elapsedMs = performance.now() - t0;
  const clientCpuMs = ownCpuMs() - cpu0;
  const emulatorCpuMs = processCpuMs(fauxqs.pid) - emu0;
  const calls = counter.snapshot();

  await run.stop();
  // A method must not win by skipping or losing messages: all deleted exactly once, none left.
  const left = await countMessages(admin, queueUrl);
  if (left !== 0)
    throw new Error(`${method.name}: ${left} messages left on the queue (visible or in flight)`);
  if (deleted !== messages) throw new Error(`${method.name}: deleted ${deleted}, expected ${messages}`);
  if (run.handled() !== messages)
    throw new Error(`${method.name}: handled ${run.handled()} messages, expected ${messages}`);
  await deleteQueue(admin, queueUrl);
  sqs.destroy();
  admin.destroy();
  return { msgsPerSec: (messages * 1000) / elapsedMs, calls, clientCpuMs, emulatorCpuMs };
}

export interface DrainOptions {
  readonly messages: number;
  readonly repetitions: number;
  readonly warmup: number;
  readonly settleMs: number;
}

export async function runDrain(fauxqs: FauxqsProcess, options: DrainOptions) {
  const { messages, repetitions } = options;
  const samples = new Map<string, ThroughputSample[]>(DRAIN_METHODS.map((m) => [m.name, []]));
  for (const method of DRAIN_METHODS) await measure(fauxqs, method, options.warmup, 0);
  for (let rep = 0; rep < repetitions; rep++) {
    // Rotate the order each repetition so no method always runs first, or right after the slowest.
    for (let k = 0; k < DRAIN_METHODS.length; k++) {
      const method = DRAIN_METHODS[(rep + k) % DRAIN_METHODS.length] as DrainMethod;
      const s = await measure(fauxqs, method, messages, options.settleMs);
      samples.get(method.name)?.push(s);
      console.log(
        `drain rep ${rep + 1} ${method.name.padEnd(22)} ${Math.round(s.msgsPerSec).toString().padStart(6)} msg/s  client ${round((s.clientCpuMs * 1000) / messages, 1)} ms/1k  emulator ${round((s.emulatorCpuMs * 1000) / messages, 1)} ms/1k  calls ${JSON.stringify(s.calls)}`,
      );
    }
  }

  const methods = Object.fromEntries(
    DRAIN_METHODS.map((m) => {
      const list = samples.get(m.name) ?? [];
      const summary = throughputSummary(list, messages);
      return [
        m.name,
        {
          description: m.description,
          msgsPerSec: summary.msgsPerSec,
          callsPerMessage: summary.callsPerMessage,
          receiveCallsPerMessage: callsPerMessage(list, messages, "ReceiveMessageCommand"),
          deleteCallsPerMessage: callsPerMessage(list, messages, "DeleteMessageBatchCommand"),
          clientCpuMsPer1k: summary.clientCpuMsPer1k,
          emulatorCpuMsPer1k: summary.emulatorCpuMsPer1k,
          callsByAction: list.at(-1)?.calls ?? {},
        },
      ];
    }),
  );
  const ratio = (a: string, b: string) => ratioWithin(samples, a, b);
  return {
    messages,
    repetitions,
    pollers: POLLERS,
    workerSettings: WORKER_SETTINGS,
    verified:
      "after each method: every message deleted exactly once (successful delete entries = messages = handler calls) and the queue empty, visible, in flight and delayed",
    methods,
    ratios: {
      workerVsSqsConsumer: ratio(sqsJobsWorker.name, sqsConsumer.name),
      workerVsRawLoop: ratio(sqsJobsWorker.name, rawLoop.name),
    },
  };
}
