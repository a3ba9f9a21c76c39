import { type AttributeValue, BatchWriteItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { JobClient } from "../../src/index.ts";
import { payloadHash } from "../../src/ledger/job-key.ts";
import {
  jobItemKey,
  LEDGER_KEY,
  LEDGER_TTL_ATTRIBUTE,
  LIST_INDEX_KEY,
  LIST_SHARDS,
} from "../../src/ledger/table-layout.ts";
import { runPool } from "../lib/pool.ts";
import { benchJob, CONCURRENCY, type Workload } from "../producer/methods.ts";

/** Where a method sends: a fresh queue and, for the methods that record jobs, a fresh ledger table. */
export interface SendTarget {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly queueUrl: string;
  readonly tableName: string;
  /** The ledger entries the raw loop writes, built off the clock (see {@link ledgerItems}). */
  readonly items: readonly Record<string, AttributeValue>[];
}

/** One way of putting the workload on a queue. Throws if any message or entry is reported failed. */
export interface SendMethod {
  readonly name: string;
  readonly description: string;
  /** Whether it writes one ledger entry per message (the run checks the table holds them all). */
  readonly records: boolean;
  run(target: SendTarget, work: Workload): Promise<void>;
}

/**
 * The entries `Ledger.recordQueued` writes for the workload's jobs, attribute for attribute, so the
 * raw loop's BatchWriteItem requests carry the same bytes; built in advance, so the raw loop does
 * strictly less client work. The list shard is spread by index, not by the ledger's hash of the
 * id: the same number of partitions, a different assignment, no difference in cost.
 */
export function ledgerItems(work: Workload, queue: string): Record<string, AttributeValue>[] {
  const now = new Date().toISOString();
  const expiresAt = String(Math.ceil(Date.now() / 1000) + 14 * 86_400);
  return work.bodies.map((body, i) => {
    const { id, payload } = JSON.parse(body) as { id: string; payload: unknown };
    return {
      [LEDGER_KEY]: { S: jobItemKey(id) },
      jobId: { S: id },
      job: { S: benchJob.name },
      queue: { S: queue },
      status: { S: "queued" },
      attempts: { N: "0" },
      payloadHash: { S: payloadHash(JSON.stringify(payload)) },
      createdAt: { S: now },
      updatedAt: { S: now },
      [LIST_INDEX_KEY]: { S: `${queue}#queued#${i % LIST_SHARDS}` },
      [LEDGER_TTL_ATTRIBUTE]: { N: expiresAt },
    };
  });
}

async function sendMessageBatches(sqs: SQSClient, queueUrl: string, work: Workload): Promise<void> {
  const n = work.bodies.length;
  await runPool(Math.ceil(n / 10), CONCURRENCY, async (chunk) => {
    const entries = [];
    for (let i = chunk * 10; i < Math.min(n, chunk * 10 + 10); i++) {
      entries.push({ Id: String(i), MessageBody: work.bodies[i], MessageAttributes: work.attributes });
    }
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if ((out.Failed ?? []).length > 0) throw new Error(`${out.Failed?.length} entries failed`);
  });
}

const ledgerOff: SendMethod = {
  name: "sqs-jobs sendBatch (ledger off)",
  description: `JobClient({ ledger: false }).sendBatch, concurrency ${CONCURRENCY}: validates, encodes, 10 per SendMessageBatch`,
  records: false,
  async run({ sqs, queueUrl }, work) {
    const result = await new JobClient({ queueUrl, sqs, ledger: false }).sendBatch(benchJob, work.payloads);
    if (result.failed > 0) throw new Error(`sendBatch reported ${result.failed} failed items`);
  },
};

const ledgerOn: SendMethod = {
  name: "sqs-jobs sendBatch (ledger on)",
  description: `JobClient({ ledger: { tableName, dynamodb } }).sendBatch, concurrency ${CONCURRENCY}: records every job as queued (Ledger.recordQueued, 25 per BatchWriteItem), then sends as with the ledger off`,
  records: true,
  async run({ sqs, dynamodb, queueUrl, tableName }, work) {
    const client = new JobClient({ queueUrl, sqs, ledger: { tableName, dynamodb } });
    const result = await client.sendBatch(benchJob, work.payloads);
    if (result.failed > 0) throw new Error(`sendBatch reported ${result.failed} failed items`);
  },
};

const rawLedgerLoop: SendMethod = {
  name: "raw SDK BatchWriteItem + SendMessageBatch",
  description: `the same requests by hand: BatchWriteItem of 25 prebuilt ledger entries, ${CONCURRENCY} in flight, until all are written (entries before messages, so a consumer never meets an unknown job, as sendBatch does); then SendMessageBatch of 10 prebuilt bodies, ${CONCURRENCY} in flight`,
  records: true,
  async run({ sqs, dynamodb, queueUrl, tableName, items }, work) {
    await runPool(Math.ceil(items.length / 25), CONCURRENCY, async (chunk) => {
      const out = await dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [tableName]: items.slice(chunk * 25, chunk * 25 + 25).map((Item) => ({ PutRequest: { Item } })),
          },
        }),
      );
      const left = out.UnprocessedItems?.[tableName]?.length ?? 0;
      if (left > 0) throw new Error(`${left} ledger entries left unprocessed`);
    });
    await sendMessageBatches(sqs, queueUrl, work);
  },
};

const rawSqsLoop: SendMethod = {
  name: "raw SDK SendMessageBatch (no ledger)",
  description: `SendMessageBatch of 10 prebuilt bodies, ${CONCURRENCY} in flight, and nothing else: what the ledger adds shows against this`,
  records: false,
  async run({ sqs, queueUrl }, work) {
    await sendMessageBatches(sqs, queueUrl, work);
  },
};

export const SEND_METHODS: readonly SendMethod[] = [ledgerOn, rawLedgerLoop, ledgerOff, rawSqsLoop];
