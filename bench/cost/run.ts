/**
 * What a million jobs cost on AWS, per way of using sqs-jobs, from calls *measured* on the local
 * stack: each scenario sends `--jobs` jobs through the app in bench/cost/app (consumed by Lambda
 * through an event source mapping, as `JobQueue` deploys it), and the stack's endpoint counts every
 * AWS call it serves (service, action, bytes; DynamoDB's write units from the items written). The
 * counts per job times the prices in ./prices.ts give dollars per million jobs; the floor is a raw
 * SDK loop (SendMessage, ReceiveMessage, DeleteMessage per message) with no library.
 * Writes bench/results/cost.json; docs/cost.md's tables are rendered from it (./render.ts) and
 * test/docs/cost-tables.test.ts checks they match. `npm run bench:cost [-- --jobs N]`.
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SNSClient } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mapLimit } from "../../src/core/map-limit.ts";
import { child, JobClient } from "../../src/index.ts";
import { LEDGER_TABLE_ENV } from "../../src/ledger/table-layout.ts";
import { type DevStack, startDevStack } from "../../tools/src/local/dev-stack.ts";
import type { MeteredRequest } from "../../tools/src/local/request-meter.ts";
import { machineInfo } from "../lib/machine.ts";
import { writeResults } from "../lib/results.ts";
import { round } from "../lib/stats.ts";
import {
  calledJob,
  childJob,
  flowDoneJob,
  laterJob,
  offloadedJob,
  plainJob,
  publishedJob,
  rateLimitedJob,
  trackedJob,
  uniqueJob,
} from "./app/jobs.ts";
import { type CostResults, costOf, type ScenarioCost } from "./model.ts";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "200" },
    out: { type: "string", default: fileURLToPath(new URL("../results/cost.json", import.meta.url)) },
  },
});
const JOBS = Number(args.jobs);
/** The producer's calls carry this app id in their user agent; the consumer's do not. */
const PRODUCER_APP_ID = "cost-bench-producer";

/** Everything the stack served while a scenario ran. */
class Tally {
  requests: MeteredRequest[] = [];
  /** Records each finished invocation of the queue's consumer ran. */
  batches: { queueArn: string; records: number }[] = [];
  reset(): void {
    this.requests = [];
    this.batches = [];
  }
  recordsOn(queueArn: string): number {
    return this.batches.filter((b) => b.queueArn === queueArn).reduce((n, b) => n + b.records, 0);
  }
}

const tally = new Tally();
const payload = (i: number) => ({
  orderId: `order-${i}`,
  note: "a job of about a hundred bytes, as a typical one",
});

async function main(): Promise<void> {
  const stack = await startDevStack({
    app: "npx tsx bench/cost/app/app.ts",
    outDir: "bench/.tmp/cost-cdk.out",
    port: 0,
    onRequest: (request) => tally.requests.push(request),
    onEvent: (event) => {
      if (event.type === "batch") tally.batches.push({ queueArn: event.queueArn, records: event.records });
    },
  });
  const client = {
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    userAgentAppId: PRODUCER_APP_ID,
  };
  const sqs = new SQSClient(client);
  const dynamodb = new DynamoDBClient(client);
  const scheduler = new SchedulerClient(client);
  const lambda = new LambdaClient(client);
  const s3 = new S3Client({ ...client, forcePathStyle: true });
  const sns = new SNSClient(client);
  try {
    const tableName = stack.ledgerEnvironment[LEDGER_TABLE_ENV] ?? "";
    const queue = (name: string) => {
      const found = stack.queues.find((q) => q.name === name);
      if (found === undefined) throw new Error(`the cost app has no queue ${name}`);
      return found;
    };
    const plain = queue("cost-plain");
    const tracked = queue("cost-tracked");
    const plainClient = new JobClient({ queueUrl: plain.url, sqs, ledger: false });
    const payloadBucket = stack.buckets.find((b) => b.logicalId.startsWith("TrackedPayloads"))?.name;
    const functionName = stack.inFlight().find((p) => p.queueUrl === tracked.url)?.functionName;
    const trackedClient = new JobClient({
      queueUrl: tracked.url,
      sqs,
      ledger: { tableName, dynamodb },
      lambda,
      ...(payloadBucket === undefined ? {} : { payloads: { bucket: payloadBucket, s3 } }),
      scheduler: { client: scheduler, roleArn: "arn:aws:iam::000000000000:role/cost-bench-scheduler" },
      ...(functionName === undefined ? {} : { functionName }),
    });
    const each = (send: (i: number) => Promise<unknown>) =>
      mapLimit(
        Array.from({ length: JOBS }, (_, i) => i),
        10,
        send,
      );

    const scenarios: ScenarioCost[] = [];
    const measure = async (
      name: string,
      title: string,
      run: () => Promise<void>,
      done: () => boolean,
    ): Promise<void> => {
      tally.reset();
      await run();
      await until(done);
      await quiet();
      scenarios.push(
        costOf({
          name,
          title,
          jobs: JOBS,
          requests: tally.requests,
          batches: tally.batches,
          producerAppId: PRODUCER_APP_ID,
        }),
      );
      console.log(`${name}: measured`);
    };

    await measure(
      "floor",
      "the floor: raw SDK SendMessage, ReceiveMessage and DeleteMessage per message, no library",
      () => rawLoop(sqs),
      () => true,
    );
    await measure(
      "send",
      "send, Lambda consumer",
      async () => {
        await each((i) => plainClient.send(plainJob, payload(i)));
      },
      () => tally.recordsOn(plain.arn) >= JOBS,
    );
    await measure(
      "sendBatch",
      "sendBatch (10 a request), Lambda consumer",
      async () => {
        await plainClient.sendBatch(
          plainJob,
          Array.from({ length: JOBS }, (_, i) => payload(i)),
        );
      },
      () => tally.recordsOn(plain.arn) >= JOBS,
    );
    await measure(
      "ledger",
      "send with the job ledger",
      async () => {
        await each((i) => trackedClient.send(trackedJob, payload(i)));
      },
      () => tally.recordsOn(tracked.arn) >= JOBS,
    );
    await measure(
      "unique",
      "send with the ledger and a unique key",
      async () => {
        await each((i) => trackedClient.send(uniqueJob, payload(i)));
      },
      () => tally.recordsOn(tracked.arn) >= JOBS,
    );
    await measure(
      "at",
      "send for later (`{ at }`, through EventBridge Scheduler), with the ledger",
      async () => {
        const at = new Date(Date.now() + 3_600_000);
        await each((i) => trackedClient.send(laterJob, payload(i), { at }));
        await stack.advanceClock(3_700_000);
      },
      () => tally.recordsOn(tracked.arn) >= JOBS,
    );
    await measure(
      "flowChild",
      "a child of a flow (`client.flow`, one continuation when all are done), with the ledger",
      async () => {
        await trackedClient.flow({
          children: Array.from({ length: JOBS }, (_, i) => child(childJob, payload(i), { key: String(i) })),
          // biome-ignore lint/suspicious/noThenProperty: a continuation is data, never a function
          then: child(flowDoneJob, { orderId: "all" }),
          onChildFailure: "continue",
        });
      },
      () => tally.recordsOn(tracked.arn) >= JOBS + 1,
    );
    await measure(
      "offloaded",
      "a payload past the message size, through S3 (put, get, delete), with the ledger",
      async () => {
        await each((i) => trackedClient.send(offloadedJob, { ...payload(i), blob: "x".repeat(2_048) }));
      },
      () => tally.recordsOn(tracked.arn) >= JOBS,
    );
    await measure(
      "rateLimited",
      "a rate-limited job under its limit, with the ledger",
      async () => {
        await each((i) => trackedClient.send(rateLimitedJob, payload(i)));
      },
      () => tally.recordsOn(tracked.arn) >= JOBS,
    );
    const publisher = new JobClient({
      topicArn: `arn:aws:sns:${stack.region}:000000000000:cost-events`,
      sns,
      ledger: { tableName, dynamodb },
    });
    await measure(
      "published",
      "published to a topic (`publish`), one subscribed queue with the ledger",
      async () => {
        await each((i) => publisher.publish(publishedJob, payload(i)));
      },
      () => tally.recordsOn(tracked.arn) >= JOBS,
    );
    if (functionName !== undefined) {
      await measure(
        "call",
        "`call` (the consumer invoked directly, waiting for the result), with the ledger",
        async () => {
          await each((i) => trackedClient.call(calledJob, payload(i)));
        },
        () => true,
      );
    }
    const results: CostResults = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      load: loadavg().map((l) => round(l, 2)),
      jobsPerScenario: JOBS,
      scenarios,
    };
    await writeResults(args.out, results);
    for (const s of scenarios) {
      console.log(`${s.name.padEnd(10)} $${s.usdPerMillionJobs.total.toFixed(2)} per million jobs`);
    }
  } finally {
    sqs.destroy();
    dynamodb.destroy();
    scheduler.destroy();
    lambda.destroy();
    s3.destroy();
    sns.destroy();
    await stopQuietly(stack);
  }
}

/** The floor: what one message costs with nothing but the SDK, on a queue no consumer reads. */
async function rawLoop(sqs: SQSClient): Promise<void> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: `cost-floor-${process.pid}` }));
  const queueUrl = created.QueueUrl ?? "";
  tally.reset();
  for (let i = 0; i < JOBS; i++) {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(payload(i)) }));
  }
  for (let received = 0; received < JOBS; ) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1 }));
    for (const m of out.Messages ?? []) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      received++;
    }
  }
}

async function until(done: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error("the scenario did not finish within 2 minutes");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until no call came for a second: the last deletes and ledger writes land after the batch. */
async function quiet(): Promise<void> {
  for (let seen = -1; seen !== tally.requests.length; ) {
    seen = tally.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function stopQuietly(stack: DevStack): Promise<void> {
  await stack.stop().catch((error: unknown) => console.error(`stopping the stack: ${String(error)}`));
}

await main();
