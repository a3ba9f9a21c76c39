import { randomUUID } from "node:crypto";
import { JobClient, type JobDefinition, type JobHandler, startWorker } from "../../src/index.ts";
import { createTestQueue, queueArn, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";

export const sqs = testSqs();
const { client: dynamodb, newLedger } = ledgerFixture();

/**
 * A queue whose RedrivePolicy moves a message to its DLQ after `maxReceiveCount` receives, a
 * ledger table, a client, and workers on them (as several Lambda instances or containers would).
 */
export async function pacingRig(label: string, options: { fifo?: boolean; maxReceiveCount?: number } = {}) {
  const fifo = options.fifo ?? false;
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`, { fifo });
  const redrive = JSON.stringify({
    deadLetterTargetArn: await queueArn(sqs, dlqUrl),
    maxReceiveCount: options.maxReceiveCount ?? 5,
  });
  const queueUrl = await createTestQueue(sqs, label, {
    fifo,
    attributes: {
      VisibilityTimeout: "30",
      RedrivePolicy: redrive,
      ...(fifo ? { ContentBasedDeduplication: "true" } : {}),
    },
  });
  const { tableName } = await newLedger();
  const ledger = { tableName, dynamodb };
  const jobs = new JobClient({ queueUrl, sqs, ledger });
  const workers: { stop(): Promise<void> }[] = [];
  const work = (handlers: JobHandler[], concurrency = 5) => {
    workers.push(
      startWorker({
        queueUrl,
        handlers,
        sqs,
        ledger,
        dlqUrl,
        concurrency,
        waitTimeSeconds: 1,
        handleSignals: false,
        logLevel: "silent",
      }),
    );
  };
  const stop = () => Promise.all(workers.map((w) => w.stop()));
  return { queueUrl, dlqUrl, ledger, jobs, work, stop, id: randomUUID().slice(0, 8) };
}

/** The most starts found in any window of `windowMs` (half-open, as the limit counts them). */
export function mostInAnyWindow(starts: readonly number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** Waits for every sent job of a batch to succeed. */
export async function allDone(
  jobs: JobClient,
  job: JobDefinition,
  items: readonly ({ readonly ok: true; readonly jobId: string } | { readonly ok: false })[],
): Promise<void> {
  await Promise.all(
    items.map((item) => {
      if (!item.ok) throw new Error("a send failed");
      return jobs.waitFor(job, item.jobId, { timeoutMs: 60_000 });
    }),
  );
}
