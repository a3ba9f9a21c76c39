import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { type CallEvent, type CallResponse, isCallEvent } from "../core/call-event.ts";
import { ENV, optionalEnv } from "../core/env.ts";
import { ConfigError } from "../core/errors.ts";
import { isFifoQueue, queueNameOf, queueUrlFromArn } from "../core/queue-url.ts";
import { lazySqs } from "../core/sqs-connect.ts";
import type { JobRoute } from "../flow/flow-spec.ts";
import type { LedgerOptions } from "../ledger/ledger-options.ts";
import { type Batch, BatchCore, type Settlement } from "./batch-core.ts";
import { assertOptions, integerProblem, trackingFor } from "./consumer-options.ts";
import type { JobHandler } from "./handle.ts";
import type { ConsumerHooks } from "./hooks.ts";
import { errorFields } from "./hooks.ts";
import type { LambdaContext, SqsBatchResponse, SqsEvent, SqsRecord } from "./lambda-types.ts";
import { type Logger, type LogLevel, resolveLogger } from "./logger.ts";
import { BatchMetrics, DEFAULT_METRICS_NAMESPACE } from "./metrics.ts";
import { setVisibility } from "./visibility.ts";

export interface SqsHandlerOptions {
  /** @default a client from the environment, built when a record first needs SQS; honours AWS_ENDPOINT_URL(_SQS) */
  readonly sqs?: SQSClient;
  /**
   * The queue the records come from, for backoff, DLQ lookup and the `source-queue` attribute.
   * @default `SQS_JOBS_QUEUE_URL` when it names the record's queue, else derived from the record's eventSourceARN
   */
  readonly queueUrl?: string;
  /**
   * Where poison, permanently failed and exhausted jobs go.
   * @default `SQS_JOBS_DLQ_URL`, else the source queue's RedrivePolicy target (looked up once, cached)
   */
  readonly dlqUrl?: string;
  /** Records in flight at once on a standard queue; message groups in flight at once on FIFO. @default 10 */
  readonly concurrency?: number;
  /**
   * A record starts only if the invocation's remaining time exceeds the job's timeoutSeconds plus
   * this margin (left for the retry and dead-letter calls). @default 1000
   */
  readonly timeMarginMs?: number;
  /** @default one JSON line per entry on stdout */
  readonly logger?: Logger;
  /** Lines below this level are dropped before they are built. @default `SQS_JOBS_LOG_LEVEL`, else "info" */
  readonly logLevel?: LogLevel;
  /** @default none */
  readonly hooks?: ConsumerHooks;
  /**
   * The job ledger (status, results, exact attempts, duplicate deliveries skipped, concurrency
   * limits); `false` turns it off.
   * @default on when `SQS_JOBS_LEDGER_TABLE` names a table (`JobQueue({ ledger })` sets it)
   */
  readonly ledger?: LedgerOptions | false;
  /**
   * Where `ctx.send`, `ctx.sendBatch` and `ctx.flow` send jobs of other queues: each job to the
   * `JobClient` of the route that lists it (docs/flows.md, "Queues").
   * @default every job to the queue the record came from
   */
  readonly routes?: readonly JobRoute[];
  /**
   * CloudWatch Embedded Metric Format lines (processed, succeeded, failed, dead, throttled,
   * cancelled, duration per job name, dimension `jobName`; the same but processed and duration
   * per queue, dimension `queue`), one per job name per batch; `false` turns them off.
   * @default true, namespace "SqsJobs"
   */
  readonly metrics?: boolean | { readonly namespace?: string };
  /**
   * The client that completes the durable callbacks jobs carry (docs/durable.md).
   * @default one from the environment, built on the first completion; honours AWS_ENDPOINT_URL(_LAMBDA)
   */
  readonly lambda?: LambdaClient;
}

/**
 * Whether a job of `timeoutMs` still fits the invocation. A missing context (a test, a hand-made
 * invocation) means no time limit to respect.
 */
function timeCheck(context: LambdaContext | undefined, marginMs: number): Batch["canStart"] {
  if (typeof context?.getRemainingTimeInMillis !== "function") return undefined;
  return (timeoutMs) => context.getRemainingTimeInMillis() >= timeoutMs + marginMs;
}

/** A call's wait for a slot as the caller asked it; anything but a number of ms >= 0 is none. */
function callWaitMs(waitMs: unknown): number {
  return typeof waitMs === "number" && Number.isFinite(waitMs) && waitMs > 0 ? waitMs : 0;
}

/**
 * A Lambda handler for an SQS event source mapping with ReportBatchItemFailures. It never throws
 * because of a record: every record that is not done (failed and due for a retry, held back
 * behind a FIFO group failure, or not dead-lettered) is listed in `batchItemFailures`; the rest
 * are deleted by Lambda. An event without `Records` is logged as an error and answered with an
 * empty list: it holds no record to return.
 *
 * @example
 * export const handler = createSqsHandler([
 *   handle(resizeImage, async (payload, ctx) => resize(payload, ctx.signal)),
 * ]);
 */
/**
 * The function `createSqsHandler` returns: an SQS batch in, a batch response out; or a call event
 * from `JobClient.call` in, the call's response out.
 */
export interface SqsJobsHandler {
  (event: SqsEvent, context: LambdaContext): Promise<SqsBatchResponse>;
  (event: CallEvent, context: LambdaContext): Promise<CallResponse>;
}

export function createSqsHandler(
  handlers: readonly JobHandler[],
  options: SqsHandlerOptions = {},
): SqsJobsHandler {
  const { timeMarginMs } = options;
  assertOptions("createSqsHandler", [
    integerProblem("concurrency", options.concurrency, 1, 10_000),
    timeMarginMs !== undefined && (!Number.isFinite(timeMarginMs) || timeMarginMs < 0)
      ? `timeMarginMs must be a number of milliseconds >= 0, but ${timeMarginMs} was provided`
      : undefined,
  ]);
  const logger = resolveLogger(options.logger, options.logLevel);
  // No SDK import, no client until a record needs SQS: most invocations never do.
  const sqs = lazySqs(options.sqs);
  // A job that needs the ledger without one fails every invocation, not the import: a module
  // that exports the handler must load (a unit test of its handlers, without the table's variable).
  const { tracking, missing } = trackingFor(handlers, options.ledger, logger);
  // Built at cold start, so duplicate handlers fail the deployment's first invocation loudly.
  const core = new BatchCore(handlers, {
    sqs,
    logger,
    hooks: options.hooks ?? {},
    tracking,
    lambda: options.lambda,
    routes: options.routes,
  });
  const concurrency = options.concurrency ?? 10;
  const margin = options.timeMarginMs ?? 1_000;
  const namespace =
    options.metrics === false
      ? undefined
      : typeof options.metrics === "object"
        ? (options.metrics.namespace ?? DEFAULT_METRICS_NAMESPACE)
        : DEFAULT_METRICS_NAMESPACE;
  const envQueueUrl = optionalEnv(ENV.queueUrl);
  const dlqUrl = options.dlqUrl ?? optionalEnv(ENV.dlqUrl);

  const sourceQueue = (arn: string | undefined): string => {
    if (options.queueUrl !== undefined) return options.queueUrl;
    if (arn === undefined || arn === "") {
      if (envQueueUrl !== undefined) return envQueueUrl;
      throw new ConfigError(
        `the SQS records carry no eventSourceARN, so their queue is unknown: pass queueUrl or set ${ENV.queueUrl}`,
      );
    }
    const name = arn.slice(arn.lastIndexOf(":") + 1);
    return envQueueUrl !== undefined && queueNameOf(envQueueUrl) === name
      ? envQueueUrl
      : queueUrlFromArn(arn);
  };

  async function handler(
    event: SqsEvent | CallEvent,
    context: LambdaContext,
  ): Promise<SqsBatchResponse | CallResponse> {
    // Thrown, not reported per record: no record can run, and Lambda returns the whole batch.
    if (missing !== undefined) throw missing;
    const response = isCallEvent(event)
      ? await core.call(event.body, {
          queueUrl: options.queueUrl ?? envQueueUrl,
          waitMs: callWaitMs(event.waitMs),
          canStart: timeCheck(context, margin),
        })
      : await handleBatch(event, context);
    // Lambda freezes the environment once we answer: a timed-out handler that ignores its signal
    // would freeze holding its slot, and could resume beside the run that takes the slot once
    // the lease ends. So the answer waits for it; if it outlives the invocation, Lambda's timeout
    // ends the environment, the handler with it, and the lease runs out.
    await core.slotsFreed();
    return response;
  }

  async function handleBatch(event: SqsEvent, context: LambdaContext): Promise<SqsBatchResponse> {
    const records: unknown = event?.Records;
    if (!Array.isArray(records)) {
      logger.error(
        "sqs-jobs got an event without a Records array; is this function's trigger an SQS event source?",
      );
      return { batchItemFailures: [] };
    }
    if (records.length === 0) return { batchItemFailures: [] };
    const batchRecords = records as SqsRecord[];
    // One event source mapping reads one queue, so a batch never mixes queues.
    const queueUrl = sourceQueue(batchRecords[0]?.eventSourceARN);
    const settled = new Map<SqsRecord, Settlement>();
    const metrics = namespace === undefined ? undefined : new BatchMetrics({ queue: queueNameOf(queueUrl) });
    try {
      await core.run(batchRecords, {
        queueUrl,
        fifo: isFifoQueue(queueUrl),
        concurrency,
        dlqUrl,
        canStart: timeCheck(context, margin),
        settle: (record, settlement) => {
          if (!settled.has(record)) settled.set(record, settlement);
        },
        metrics,
      });
    } catch (error) {
      // The core settles every record itself; if it failed, the records it did not settle are
      // returned (and only those: the deleted and dead-lettered ones are done).
      logger.error("sqs-jobs batch core failed; returning every record not yet settled", errorFields(error));
    }
    const failures = batchRecords.filter((record) => (settled.get(record) ?? "keep") !== "delete");
    const releases = failures.filter((record) => settled.get(record) === "release");
    if (releases.length > 0) {
      logger.warn("sqs-jobs returned records it did not start (FIFO group stop or time left)", {
        queueUrl,
        count: releases.length,
      });
      // Without this they would wait out the queue's full visibility timeout (6x the function's).
      await setVisibility(
        sqs,
        queueUrl,
        releases.map((record) => record.receiptHandle),
        0,
        logger,
      );
    }
    if (namespace !== undefined && metrics !== undefined) {
      const lines = metrics.lines(namespace, Date.now());
      if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
    }
    return { batchItemFailures: failures.map((record) => ({ itemIdentifier: record.messageId })) };
  }
  return handler as SqsJobsHandler;
}
