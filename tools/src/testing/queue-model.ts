import type { JobHandler } from "sqs-jobs/internal/consumer/handle";
import type { SqsHandlerOptions } from "sqs-jobs/internal/consumer/lambda-handler";
import { ENV, queueUrlEnvVar } from "sqs-jobs/internal/core/env";
import { ConfigError } from "sqs-jobs/internal/core/errors";
import type { JobDefinition } from "sqs-jobs/internal/core/job";
import { defaultMaxReceiveCount, FUNCTION_TIMEOUT_MARGIN_SECONDS } from "sqs-jobs/internal/core/queue-sizing";
import { ledgerTableInput } from "sqs-jobs/internal/ledger/ledger-table-input";
import { LEDGER_TABLE_ENV, LEDGER_TTL_ATTRIBUTE } from "sqs-jobs/internal/ledger/table-layout";
import type { AppModel, QueueModel } from "../local/app-model.ts";
import type { TableModel } from "../local/table-model.ts";

/** A queue declared in code, with the handlers of its consumer. */
export interface TestQueueOptions<Name extends string = string> {
  /** 1-70 letters, digits, `-` and `_`; a FIFO queue's name gets `.fifo` and its DLQ `<name>-dlq`. */
  readonly name: Name;
  /** The jobs it carries and what its consumer does with each: `handle(job, fn)` bindings. */
  readonly handlers: readonly JobHandler[];
  /** @default false */
  readonly fifo?: boolean;
  /**
   * Receives before SQS's redrive policy moves a message to the DLQ without a reason (crashes,
   * timeouts); sqs-jobs dead-letters with a reason at the last attempt before that.
   * @default as `JobQueue`: the largest `retry.maxAttempts` m plus max(5, m) (more on FIFO); 1,000 on FIFO with `ledger`
   */
  readonly maxReceiveCount?: number;
  /** Records per invocation. @default 10 */
  readonly batchSize?: number;
  /**
   * Invocations of the consumer at once, as `JobQueue`'s `maxConcurrency` (2-1,000; locally at most
   * 10 run at once, each in its own execution environment).
   * @default 5, the local event source's default
   */
  readonly maxConcurrency?: number;
  /**
   * The consumer's options (hooks, concurrency, logger...). The kit sets `sqs`, `queueUrl`,
   * `dlqUrl` and `ledger` itself.
   * @default `{ logLevel: "warn", metrics: false }`: quiet test output
   */
  readonly consumer?: Omit<SqsHandlerOptions, "sqs" | "queueUrl" | "dlqUrl" | "ledger">;
}

export const LEDGER_LOGICAL_ID = "Ledger";
const NAME = /^[A-Za-z0-9_-]{1,70}$/;

const queueId = (i: number) => `Queue${i}`;
const dlqId = (i: number) => `Queue${i}Dlq`;
export const consumerId = (i: number): string => `Queue${i}Consumer`;

/** The consumer's function timeout: as `JobQueue` derives it, the longest job timeout + 10 s. */
export function consumerTimeoutSeconds(queue: TestQueueOptions): number {
  return Math.max(0, ...queue.handlers.map((h) => h.job.timeoutSeconds)) + FUNCTION_TIMEOUT_MARGIN_SECONDS;
}

/** Every problem with the declared queues, at once. */
function problems(queues: readonly TestQueueOptions[]): string[] {
  const found: string[] = [];
  const names = queues.map((q) => q.name);
  for (const [i, q] of queues.entries()) {
    if (!NAME.test(q.name)) {
      found.push(
        `queues[${i}].name must be 1-70 letters, digits, "-" or "_", but "${q.name.slice(0, 80)}" was provided`,
      );
    }
    if (names.indexOf(q.name) !== i) found.push(`queues[${i}].name "${q.name}" is declared twice`);
    if (q.handlers.length === 0)
      found.push(`queues[${i}] ("${q.name}") has no handlers: pass handle(job, fn) bindings`);
    const batch = q.batchSize ?? 10;
    if (!Number.isInteger(batch) || batch < 1 || batch > 10) {
      found.push(`queues[${i}].batchSize must be an integer between 1 and 10, but ${batch} was provided`);
    }
    const concurrency = q.maxConcurrency;
    if (
      concurrency !== undefined &&
      (!Number.isInteger(concurrency) || concurrency < 2 || concurrency > 1000)
    ) {
      found.push(
        `queues[${i}].maxConcurrency must be an integer between 2 and 1,000, but ${concurrency} was provided`,
      );
    }
    const maxAttempts = Math.max(1, ...q.handlers.map((h) => h.job.retry?.maxAttempts ?? 1));
    const receives = q.maxReceiveCount;
    if (
      receives !== undefined &&
      (!Number.isInteger(receives) || receives <= maxAttempts || receives > 1000)
    ) {
      found.push(
        `queues[${i}].maxReceiveCount must be an integer above the largest retry.maxAttempts (${maxAttempts}) and at most 1,000, but ${receives} was provided`,
      );
    }
  }
  return found;
}

/**
 * The app model of queues declared in code: each queue with its DLQ, a consumer reading it
 * with ReportBatchItemFailures, and (with `ledger`) one job ledger table they all record in, as
 * `JobQueue` and `JobLedger` would deploy them.
 */
export function queuesModel(queues: readonly TestQueueOptions[], ledger: boolean): AppModel {
  const found = problems(queues);
  if (found.length > 0)
    throw new ConfigError(`startTestApp options are invalid:\n  - ${found.join("\n  - ")}`);
  const models: QueueModel[] = [];
  for (const [i, q] of queues.entries()) {
    const fifo = q.fifo ?? false;
    const suffix = fifo ? ".fifo" : "";
    const maxAttempts = Math.max(1, ...q.handlers.map((h) => h.job.retry?.maxAttempts ?? 1));
    const batchSize = q.batchSize ?? 10;
    const fifoAttributes: Record<string, string> = fifo
      ? // Scheduler sends no deduplication id: jobs sent for later need content-based deduplication.
        { FifoQueue: "true", ContentBasedDeduplication: "true" }
      : {};
    models.push({
      stackName: "TestApp",
      logicalId: dlqId(i),
      name: `${q.name}-dlq${suffix}`,
      fifo,
      attributes: { ...fifoAttributes, MessageRetentionPeriod: "1209600" },
      dlqLogicalId: undefined,
      jobs: [],
    });
    models.push({
      stackName: "TestApp",
      logicalId: queueId(i),
      name: `${q.name}${suffix}`,
      fifo,
      attributes: {
        ...fifoAttributes,
        VisibilityTimeout: String(6 * consumerTimeoutSeconds(q)),
        RedrivePolicy: JSON.stringify({
          maxReceiveCount:
            q.maxReceiveCount ?? defaultMaxReceiveCount({ maxAttempts, fifo, batchSize, ledger }),
        }),
      },
      dlqLogicalId: dlqId(i),
      jobs: q.handlers.map((h) => h.job.name),
    });
  }
  const table = ledgerTableInput("test-app-ledger");
  const tables: TableModel[] = ledger
    ? [
        {
          stackName: "TestApp",
          logicalId: LEDGER_LOGICAL_ID,
          name: table.TableName ?? "",
          keySchema: table.KeySchema ?? [],
          attributeDefinitions: table.AttributeDefinitions ?? [],
          globalSecondaryIndexes: table.GlobalSecondaryIndexes ?? [],
          localSecondaryIndexes: [],
          timeToLiveAttribute: LEDGER_TTL_ATTRIBUTE,
        },
      ]
    : [];
  return {
    queues: models,
    functions: queues.map((q, i) => ({
      stackName: "TestApp",
      logicalId: consumerId(i),
      name: `${q.name}-consumer`,
      codeDir: undefined,
      handler: "index.handler",
      timeoutSeconds: consumerTimeoutSeconds(q),
      environment: {
        // Every queue's URL, as `grantSendJobs` gives a producer: the consumer's routes read them.
        ...Object.fromEntries(queues.map((other, j) => [queueUrlEnvVar(other.name), { Ref: queueId(j) }])),
        [ENV.queueUrl]: { Ref: queueId(i) },
        [ENV.dlqUrl]: { Ref: dlqId(i) },
        ...(ledger ? { [LEDGER_TABLE_ENV]: { Ref: LEDGER_LOGICAL_ID } } : {}),
      },
    })),
    eventSources: queues.map((q, i) => ({
      logicalId: `${consumerId(i)}Source`,
      functionLogicalId: consumerId(i),
      queueLogicalId: queueId(i),
      batchSize: q.batchSize ?? 10,
      batchingWindowSeconds: 0,
      maximumConcurrency: q.maxConcurrency,
      reportBatchItemFailures: true,
      enabled: true,
    })),
    buckets: [],
    tables,
    schedules: [],
    topics: [],
    subscriptions: [],
    outputs: [],
  };
}

/**
 * Where a queue's consumer sends the jobs other queues carry (`ctx.send`, `ctx.flow`): each job
 * to the one other queue whose handlers take it, as a user's `routes` would list them. A job of
 * its own queue, or carried by two others, is left out (the first stays on its queue; the second
 * needs the user's own `routes`).
 */
export function queueRoutes(
  queues: readonly TestQueueOptions[],
  own: number,
): { readonly queue: string; readonly jobs: readonly JobDefinition[] }[] {
  const carriers = new Map<string, number[]>();
  for (const [i, q] of queues.entries()) {
    for (const h of q.handlers) carriers.set(h.job.name, [...(carriers.get(h.job.name) ?? []), i]);
  }
  const ownJobs = new Set(queues[own]?.handlers.map((h) => h.job.name));
  return queues.flatMap((q, i) => {
    if (i === own) return [];
    const jobs = q.handlers
      // `handle(job, fn)` keeps the definition itself: a route needs no more than its name.
      .map((h) => h.job as JobDefinition)
      .filter((job) => !ownJobs.has(job.name) && carriers.get(job.name)?.length === 1);
    return jobs.length === 0 ? [] : [{ queue: q.name, jobs }];
  });
}
