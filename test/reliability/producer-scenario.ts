import { randomUUID } from "node:crypto";
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { defineJob, JobClient, type SendBatchResult } from "../../src/index.ts";
import { drainQueue } from "../helpers/sqs.ts";
import { type FaultRates, startFaultProxy } from "./fault-proxy.ts";

export const importRow = defineJob({
  name: "import-row",
  schema: z.object({ row: z.number().int().nonnegative(), data: z.string() }),
});

export interface ProducerScenario {
  readonly name: string;
  readonly jobs: number;
  readonly rates: Readonly<Record<string, FaultRates>>;
  readonly seed?: number;
  /** The SQS client's maxAttempts. @default the SDK's default (3) */
  readonly sdkMaxAttempts?: number;
  readonly concurrency?: number;
  /** sendBatch's own retries. @default 8 */
  readonly maxRetries?: number;
}

/** What a scenario's run proved; `duplicatedUnreported` and `lost` must be 0. */
export interface ProducerTally {
  readonly scenario: string;
  readonly sent: number;
  readonly acknowledged: number;
  readonly failed: number;
  /** Distinct jobs found in the queue. */
  readonly arrived: number;
  /** Jobs found more than once, each flagged possibleDuplicate in the result. */
  readonly duplicatedReported: number;
  /** Jobs found more than once (or found although reported failed) without possibleDuplicate. */
  readonly duplicatedUnreported: number;
  /** Jobs acknowledged but never found in the queue. */
  readonly lost: number;
  /** Acknowledged items whose messageId is not among their job's copies in the queue. */
  readonly wrongMessageId: number;
  readonly flaggedPossibleDuplicate: number;
  /** Results whose index is not their position in the input (must be 0). */
  readonly failedWithoutIndex: number;
  readonly injected: Record<string, number>;
  readonly seconds: number;
}

/**
 * Sends `jobs` payloads with one `sendBatch` through a fault proxy, drains the queue directly
 * (no faults) and compares what arrived, per job id, with what the result claims.
 */
export async function runProducerScenario(
  endpoint: string,
  scenario: ProducerScenario,
): Promise<ProducerTally> {
  const direct = new SQSClient({ endpoint, useQueueUrlAsEndpoint: false });
  const created = await direct.send(
    new CreateQueueCommand({ QueueName: `reliability-producer-${randomUUID().slice(0, 8)}` }),
  );
  const queueUrl = created.QueueUrl as string;
  const proxy = await startFaultProxy({ target: endpoint, seed: scenario.seed ?? 7, rates: scenario.rates });
  const viaProxy = new SQSClient({
    endpoint: proxy.endpoint,
    useQueueUrlAsEndpoint: false,
    ...(scenario.sdkMaxAttempts === undefined ? {} : { maxAttempts: scenario.sdkMaxAttempts }),
  });
  const started = Date.now();
  let result: SendBatchResult;
  try {
    const client = new JobClient({ queueUrl, sqs: viaProxy });
    const payloads = Array.from({ length: scenario.jobs }, (_, row) => ({ row, data: `r${row}` }));
    result = await client.sendBatch(importRow, payloads, {
      concurrency: scenario.concurrency ?? 8,
      maxRetries: scenario.maxRetries ?? 8,
    });
  } finally {
    await proxy.close();
    viaProxy.destroy();
  }
  const messages = await drainQueue(direct, queueUrl, { expect: scenario.jobs * 2, quietMs: 1_500 });
  await direct.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  direct.destroy();

  const copies = new Map<string, string[]>();
  for (const m of messages) {
    const id = decodeEnvelope(m.Body ?? "").id ?? "";
    copies.set(id, [...(copies.get(id) ?? []), m.MessageId ?? ""]);
  }
  let lost = 0;
  let duplicatedReported = 0;
  let duplicatedUnreported = 0;
  let wrongMessageId = 0;
  for (const item of result.items) {
    const found = copies.get(item.jobId) ?? [];
    if (item.ok && found.length === 0) lost++;
    if (item.ok && found.length > 0 && !found.includes(item.messageId)) wrongMessageId++;
    const extra = item.ok ? found.length > 1 : found.length > 0;
    if (extra && item.possibleDuplicate) duplicatedReported++;
    if (extra && !item.possibleDuplicate) duplicatedUnreported++;
  }
  const injected: Record<string, number> = {};
  for (const kind of [
    "forwarded",
    "throttle",
    "error500",
    "error503",
    "resetBefore",
    "resetAfter",
  ] as const) {
    injected[kind] = proxy.total(kind);
  }
  return {
    scenario: scenario.name,
    sent: scenario.jobs,
    acknowledged: result.succeeded,
    failed: result.failed,
    arrived: copies.size,
    duplicatedReported,
    duplicatedUnreported,
    lost,
    wrongMessageId,
    flaggedPossibleDuplicate: result.items.filter((i) => i.possibleDuplicate).length,
    failedWithoutIndex: result.items.filter((item, i) => item === undefined || item.index !== i).length,
    injected,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** One line per scenario, the same in the suite and the soak run. */
export function formatProducerTally(t: ProducerTally): string {
  const faults = Object.entries(t.injected)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return `[producer] ${t.scenario}: sent=${t.sent} acknowledged=${t.acknowledged} failed=${t.failed} arrived=${t.arrived} duplicated(reported)=${t.duplicatedReported} duplicated(unreported)=${t.duplicatedUnreported} lost=${t.lost} flagged-possible-duplicate=${t.flaggedPossibleDuplicate} (${t.seconds}s; calls: ${faults})`;
}
