import { randomUUID } from "node:crypto";
import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { Producer } from "sqs-producer";
import { z } from "zod/mini";
import { JOB_NAME_ATTRIBUTE } from "../../src/core/job-name-attribute.ts";
import { defineJob, JobClient } from "../../src/index.ts";
import { runPool } from "../lib/pool.ts";

/** Concurrency for every method: JobClient.sendBatch's default. */
export const CONCURRENCY = 8;

export const benchJob = defineJob({
  name: "bench-notify",
  schema: z.object({ userId: z.string(), email: z.string(), count: z.number() }),
});

export interface Payload {
  readonly userId: string;
  readonly email: string;
  readonly count: number;
}

/**
 * What every method sends. The baselines get bodies already encoded, the same shape and size as
 * sqs-jobs's envelope, and the same job-name attribute, so the wire bytes match and the baselines
 * do strictly less client work: validation, ids and encoding are sqs-jobs's overhead to be measured.
 */
export interface Workload {
  readonly payloads: readonly Payload[];
  readonly bodies: readonly string[];
  readonly attributes: Record<string, MessageAttributeValue>;
}

export function makeWorkload(count: number): Workload {
  const payloads: Payload[] = [];
  const bodies: string[] = [];
  const enqueuedAt = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const payload = { userId: `user-${i}`, email: `user${i}@example.com`, count: i };
    payloads.push(payload);
    bodies.push(JSON.stringify({ sqsJobs: 1, job: benchJob.name, id: randomUUID(), enqueuedAt, payload }));
  }
  return {
    payloads,
    bodies,
    attributes: { [JOB_NAME_ATTRIBUTE]: { DataType: "String", StringValue: benchJob.name } },
  };
}

/** One way of putting the workload on a queue. Throws if any message is reported failed. */
export interface Method {
  readonly name: string;
  readonly description: string;
  run(sqs: SQSClient, queueUrl: string, work: Workload): Promise<void>;
}

const sqsJobsSendBatch: Method = {
  name: "sqs-jobs sendBatch",
  description: `JobClient.sendBatch with its defaults (concurrency ${CONCURRENCY}): validates, encodes, packs 10 per request`,
  async run(sqs, queueUrl, work) {
    const client = new JobClient({ queueUrl, sqs });
    const result = await client.sendBatch(benchJob, work.payloads);
    if (result.failed > 0) throw new Error(`sendBatch reported ${result.failed} failed items`);
  },
};

function producerMessages(work: Workload, from: number, to: number) {
  const out = [];
  for (let i = from; i < to; i++) {
    out.push({ id: String(i), body: work.bodies[i] as string, messageAttributes: work.attributes });
  }
  return out;
}

const sqsProducerConcurrent: Method = {
  name: "sqs-producer",
  description: `sqs-producer 8 (batchSize 10) has no concurrency option and sends one array's batches one after another; the workload is split into ${CONCURRENCY} slices sent by ${CONCURRENCY} concurrent producer.send calls`,
  async run(sqs, queueUrl, work) {
    const producer = Producer.create({ queueUrl, sqs, batchSize: 10 });
    const n = work.bodies.length;
    const size = Math.ceil(n / CONCURRENCY);
    // A small workload leaves the last slices empty; sqs-producer would send an empty batch.
    const slices = Array.from({ length: CONCURRENCY }, (_, k) =>
      producerMessages(work, k * size, Math.min(n, (k + 1) * size)),
    ).filter((slice) => slice.length > 0);
    await Promise.all(slices.map((slice) => producer.send(slice)));
  },
};

const sqsProducerOneCall: Method = {
  name: "sqs-producer (one send call)",
  description:
    "sqs-producer as its README shows it: one producer.send(array) call, which sends the batches sequentially",
  async run(sqs, queueUrl, work) {
    const producer = Producer.create({ queueUrl, sqs, batchSize: 10 });
    await producer.send(producerMessages(work, 0, work.bodies.length));
  },
};

const rawBatchLoop: Method = {
  name: "raw SDK SendMessageBatch",
  description: `@aws-sdk/client-sqs SendMessageBatchCommand, 10 entries per call, ${CONCURRENCY} calls in flight`,
  async run(sqs, queueUrl, work) {
    const n = work.bodies.length;
    await runPool(Math.ceil(n / 10), CONCURRENCY, async (chunk) => {
      const entries = [];
      for (let i = chunk * 10; i < Math.min(n, chunk * 10 + 10); i++) {
        entries.push({ Id: String(i), MessageBody: work.bodies[i], MessageAttributes: work.attributes });
      }
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if ((out.Failed ?? []).length > 0) throw new Error(`${out.Failed?.length} entries failed`);
    });
  },
};

const rawSendLoop: Method = {
  name: "raw SDK SendMessage",
  description: `@aws-sdk/client-sqs SendMessageCommand, one message per call, ${CONCURRENCY} calls in flight`,
  async run(sqs, queueUrl, work) {
    await runPool(work.bodies.length, CONCURRENCY, async (i) => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: work.bodies[i],
          MessageAttributes: work.attributes,
        }),
      );
    });
  },
};

export const METHODS: readonly Method[] = [
  sqsJobsSendBatch,
  sqsProducerConcurrent,
  sqsProducerOneCall,
  rawBatchLoop,
  rawSendLoop,
];
