import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { JOB_NAME_ATTRIBUTE } from "../../src/core/job-name-attribute.ts";
import { TOPIC_ATTRIBUTE } from "../../src/core/topic-attribute.ts";
import { JobClient } from "../../src/index.ts";
import { ownCpuMs, processCpuMs } from "../lib/cpu.ts";
import { type FauxqsProcess, startFauxqsProcess } from "../lib/fauxqs-process.ts";
import { machineInfo } from "../lib/machine.ts";
import { runPool } from "../lib/pool.ts";
import { writeResults } from "../lib/results.ts";
import { benchSqsClient, CallCounter, countMessages, createQueue, deleteQueue } from "../lib/sqs.ts";
import { round } from "../lib/stats.ts";
import { ratioWithin, type ThroughputSample, throughputSummary } from "../lib/throughput.ts";
import { benchJob, CONCURRENCY, makeWorkload, type Workload } from "../producer/methods.ts";
import { measureClientOverhead } from "./client-overhead.ts";

/*
 * publish / publishBatch against raw SNS Publish / PublishBatch loops at equal concurrency, to a
 * topic with one queue subscribed (raw delivery, a filter on the job name): every run checks that
 * the queue holds exactly the messages published. The baselines publish bodies already encoded,
 * with the same attributes, so they do strictly less client work than sqs-jobs.
 */
const { values: args } = parseArgs({
  options: {
    // Many short repetitions, each method back to back in a rotating order: a ratio within one
    // repetition sees the same machine, and the median of 15 is steadier than that of 5 long ones
    // (per-repetition ratios of 0.49-1.09x were seen with 5 x 4,000).
    messages: { type: "string", default: "1000" },
    repetitions: { type: "string", default: "15" },
    warmup: { type: "string", default: "2" },
    out: { type: "string", default: fileURLToPath(new URL("../results/publish.json", import.meta.url)) },
  },
});
const MESSAGES = Number(args.messages);
const REPETITIONS = Number(args.repetitions);
/** Rounds of every method run first and not counted: the JIT and the connections warm up. */
const WARMUP = Number(args.warmup);

interface Method {
  readonly name: string;
  readonly description: string;
  run(sns: SNSClient, topicArn: string, work: Workload): Promise<void>;
}

/** The baselines' attributes: the job name and the topic, as sqs-jobs sets them. */
const attributesOf = (work: Workload, topic: string) => ({
  ...work.attributes,
  [TOPIC_ATTRIBUTE]: { DataType: "String", StringValue: topic },
});

const METHODS: readonly Method[] = [
  {
    name: "sqs-jobs publishBatch",
    description: `JobClient.publishBatch with its defaults (concurrency ${CONCURRENCY}): validates, encodes, packs 10 per request`,
    async run(sns, topicArn, work) {
      const result = await new JobClient({ topicArn, sns, ledger: false }).publishBatch(
        benchJob,
        work.payloads,
      );
      if (result.failed > 0) throw new Error(`publishBatch reported ${result.failed} failed items`);
    },
  },
  {
    name: "raw SDK PublishBatch",
    description: `@aws-sdk/client-sns PublishBatchCommand, 10 entries per call, ${CONCURRENCY} calls in flight`,
    async run(sns, topicArn, work) {
      const attributes = attributesOf(work, topicArn.split(":").pop() ?? "");
      const n = work.bodies.length;
      await runPool(Math.ceil(n / 10), CONCURRENCY, async (chunk) => {
        const entries = [];
        for (let i = chunk * 10; i < Math.min(n, chunk * 10 + 10); i++) {
          entries.push({ Id: String(i), Message: work.bodies[i], MessageAttributes: attributes });
        }
        const out = await sns.send(
          new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
        );
        if ((out.Failed ?? []).length > 0) throw new Error(`${out.Failed?.length} entries failed`);
      });
    },
  },
  {
    name: "sqs-jobs publish",
    description: `JobClient.publish, ${CONCURRENCY} calls in flight`,
    async run(sns, topicArn, work) {
      const client = new JobClient({ topicArn, sns, ledger: false });
      await runPool(work.payloads.length, CONCURRENCY, async (i) => {
        await client.publish(benchJob, work.payloads[i] as (typeof work.payloads)[number]);
      });
    },
  },
  {
    name: "raw SDK Publish",
    description: `@aws-sdk/client-sns PublishCommand, one message per call, ${CONCURRENCY} calls in flight`,
    async run(sns, topicArn, work) {
      const attributes = attributesOf(work, topicArn.split(":").pop() ?? "");
      await runPool(work.bodies.length, CONCURRENCY, async (i) => {
        await sns.send(
          new PublishCommand({ TopicArn: topicArn, Message: work.bodies[i], MessageAttributes: attributes }),
        );
      });
    },
  },
];

function benchSnsClient(endpoint: string, counter: CallCounter): SNSClient {
  const client = new SNSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  client.middlewareStack.add(
    (next, context) => async (request) => {
      counter.add(context.commandName ?? "unknown");
      return next(request);
    },
    { step: "deserialize", name: "benchCallCounter" },
  );
  return client;
}

const collectGarbage = (globalThis as { gc?: () => void }).gc;
let seq = 0;

async function measure(fauxqs: FauxqsProcess, method: Method, work: Workload): Promise<ThroughputSample> {
  const admin = benchSqsClient(fauxqs.endpoint);
  const counter = new CallCounter();
  const sns = benchSnsClient(fauxqs.endpoint, counter);
  const name = `bench-publish-${process.pid}-${seq++}`;
  const queueUrl = await createQueue(admin, name);
  const { TopicArn: topicArn = "" } = await sns.send(new CreateTopicCommand({ Name: name }));
  const { Attributes } = await admin.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: Attributes?.QueueArn,
      Attributes: {
        RawMessageDelivery: "true",
        FilterPolicy: JSON.stringify({ [JOB_NAME_ATTRIBUTE]: [benchJob.name] }),
      },
    }),
  );
  counter.reset();
  collectGarbage?.();
  await new Promise((resolve) => setTimeout(resolve, 1000));

  const cpu0 = ownCpuMs();
  const emu0 = processCpuMs(fauxqs.pid);
  const t0 = performance.now();
  await method.run(sns, topicArn, work);
  const elapsedMs = performance.now() - t0;
  const clientCpuMs = ownCpuMs() - cpu0;
  const emulatorCpuMs = processCpuMs(fauxqs.pid) - emu0;

  // A method must not win by losing messages: the subscribed queue holds exactly what was published.
  const calls = counter.snapshot();
  const held = await countMessages(admin, queueUrl);
  if (held !== work.bodies.length) {
    throw new Error(`${method.name}: queue holds ${held} messages, expected ${work.bodies.length}`);
  }
  await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
  await deleteQueue(admin, queueUrl);
  sns.destroy();
  admin.destroy();
  return {
    msgsPerSec: (work.bodies.length * 1000) / elapsedMs,
    calls,
    clientCpuMs,
    emulatorCpuMs,
  };
}

async function main(): Promise<void> {
  const fauxqs = await startFauxqsProcess();
  const samples = new Map<string, ThroughputSample[]>(METHODS.map((m) => [m.name, []]));
  try {
    const warm = makeWorkload(MESSAGES);
    for (let round = 0; round < WARMUP; round++) {
      for (const method of METHODS) await measure(fauxqs, method, warm);
    }
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const work = makeWorkload(MESSAGES);
      // Rotate the order each repetition so no method always runs first.
      for (let k = 0; k < METHODS.length; k++) {
        const method = METHODS[(rep + k) % METHODS.length] as Method;
        const s = await measure(fauxqs, method, work);
        samples.get(method.name)?.push(s);
        console.log(
          `rep ${rep + 1} ${method.name.padEnd(24)} ${Math.round(s.msgsPerSec).toString().padStart(6)} msg/s  client ${round((s.clientCpuMs * 1000) / MESSAGES, 1)} ms/1k  calls ${JSON.stringify(s.calls)}`,
        );
      }
    }
  } finally {
    await fauxqs.stop();
  }
  // With the emulator stopped: nothing else runs.
  const clientOverhead = await measureClientOverhead(20_000, 5);
  const methods = Object.fromEntries(
    METHODS.map((m) => [
      m.name,
      { description: m.description, ...throughputSummary(samples.get(m.name) ?? [], MESSAGES) },
    ]),
  );
  const ratios = {
    publishBatchVsRawPublishBatch:
      ratioWithin(samples, "sqs-jobs publishBatch", "raw SDK PublishBatch") ?? null,
    publishVsRawPublish: ratioWithin(samples, "sqs-jobs publish", "raw SDK Publish") ?? null,
  };
  const target = (actual: number | undefined) => ({
    target: 0.95,
    actual: actual ?? null,
    met: (actual ?? 0) >= 0.95,
  });
  await writeResults(args.out, {
    benchmark: "publish",
    date: new Date().toISOString(),
    node: process.version,
    machine: machineInfo(),
    emulator: "fauxqs (own process, in-memory, loopback): SNS fan-out to one subscribed queue",
    messages: MESSAGES,
    repetitions: REPETITIONS,
    concurrency: CONCURRENCY,
    methods,
    ratios,
    clientOverhead,
    targets: {
      "publishBatch throughput >= 0.95x raw SDK PublishBatch loop": target(
        ratios.publishBatchVsRawPublishBatch?.median,
      ),
      "publish throughput >= 0.95x raw SDK Publish loop": target(ratios.publishVsRawPublish?.median),
    },
  });
  console.log(JSON.stringify({ ...ratios, ownMicrosPerMessage: clientOverhead.ownMicrosPerMessage }));
}

await main();
