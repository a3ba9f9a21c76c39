import { handle, JobClient, startWorker } from "../../src/index.ts";
import { createLedgerTableNamed as createLedgerTable } from "../../test/helpers/ledger-table-named.ts";
import { benchDynamoDbClient, countItems } from "../lib/dynamodb.ts";
import type { ServerProcess } from "../lib/server-process.ts";
import {
  benchSqsClient,
  CallCounter,
  countMessages,
  createQueue,
  deleteQueue,
  onDeleted,
} from "../lib/sqs.ts";
import { round } from "../lib/stats.ts";
import { benchJob, makeWorkload } from "../producer/methods.ts";

/** The worker as for a short job (as in bench/consumer): 4 receives of 10 in flight. */
const WORKER = { concurrency: 40, batchSize: 10, waitTimeSeconds: 1 } as const;

const WRITES = ["BatchWriteItemCommand", "PutItemCommand", "UpdateItemCommand", "DeleteItemCommand"];

/** One side's DynamoDB traffic, per job. */
function perJob(calls: CallCounter, items: CallCounter, jobs: number) {
  const per = (n: number) => round(n / jobs, 4);
  const writeRequests = WRITES.reduce((n, c) => n + calls.get(c), 0);
  return {
    itemsWritten: per(items.total()),
    writeRequests: per(writeRequests),
    readRequests: per(calls.total() - writeRequests),
    requestsByCommand: calls.snapshot(),
    itemsByCommand: items.snapshot(),
  };
}

/**
 * Sends `jobs` tracked jobs with `sendBatch` and drains them with `startWorker`, both with the
 * ledger on, and counts what reaches DynamoDB from each side: items written (what DynamoDB bills),
 * write and read requests. Every job must succeed on its first run; the run checks that the
 * handler ran once per job, the queue is empty and every entry reads succeeded after 1 attempt.
 */
export async function measureWritesPerJob(fauxqs: ServerProcess, dynalite: ServerProcess, jobs: number) {
  const adminSqs = benchSqsClient(fauxqs.endpoint);
  const adminDb = benchDynamoDbClient(dynalite.endpoint);
  const queueUrl = await createQueue(adminSqs, `bench-ledger-writes-${process.pid}`);
  const tableName = `bench-ledger-writes-${process.pid}`;
  await createLedgerTable(adminDb, tableName);

  const producer = { calls: new CallCounter(), items: new CallCounter() };
  const consumer = { calls: new CallCounter(), items: new CallCounter() };
  const producerSqs = benchSqsClient(fauxqs.endpoint);
  const consumerSqs = benchSqsClient(fauxqs.endpoint);
  const producerDb = benchDynamoDbClient(dynalite.endpoint, producer);
  const consumerDb = benchDynamoDbClient(dynalite.endpoint, consumer);

  const work = makeWorkload(jobs);
  const client = new JobClient({ queueUrl, sqs: producerSqs, ledger: { tableName, dynamodb: producerDb } });
  const sent = await client.sendBatch(benchJob, work.payloads);
  if (sent.failed > 0) throw new Error(`sendBatch reported ${sent.failed} failed items`);

  let deleted = 0;
  let handled = 0;
  const drained = new Promise<void>((resolve) => {
    onDeleted(consumerSqs, (n) => {
      deleted += n;
      if (deleted >= jobs) resolve();
    });
  });
  const worker = startWorker({
    queueUrl,
    sqs: consumerSqs,
    handlers: [
      handle(benchJob, async () => {
        handled++;
      }),
    ],
    ledger: { tableName, dynamodb: consumerDb },
    ...WORKER,
    logLevel: "warn",
    handleSignals: false,
  });
  const timeoutMs = 60_000 + jobs * 20;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      drained,
      new Promise((_, fail) => {
        timer = setTimeout(
          () => fail(new Error(`${deleted} of ${jobs} jobs deleted after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await worker.stop();
  }

  // Figures count only if every job ran once and the ledger says so.
  const succeededOnce = await countItems(adminDb, tableName, {
    FilterExpression: "#status = :succeeded AND attempts = :one",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":succeeded": { S: "succeeded" }, ":one": { N: "1" } },
  });
  const left = await countMessages(adminSqs, queueUrl);
  if (handled !== jobs || succeededOnce !== jobs || left !== 0) {
    throw new Error(
      `writes per job: ${handled} handler runs, ${succeededOnce} entries succeeded after 1 attempt, ${left} messages left; expected ${jobs}, ${jobs}, 0`,
    );
  }
  await deleteQueue(adminSqs, queueUrl);
  for (const c of [adminSqs, adminDb, producerSqs, consumerSqs, producerDb, consumerDb]) c.destroy();

  const p = perJob(producer.calls, producer.items, jobs);
  const c = perJob(consumer.calls, consumer.items, jobs);
  return {
    jobs,
    worker: WORKER,
    producer: p,
    consumer: c,
    itemsWrittenPerJob: round(p.itemsWritten + c.itemsWritten, 4),
    writeRequestsPerJob: round(p.writeRequests + c.writeRequests, 4),
    readRequestsPerJob: round(p.readRequests + c.readRequests, 4),
  };
}
