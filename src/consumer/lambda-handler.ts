import type { SQSClient } from "@aws-sdk/client-sqs";
import { ENV } from "../core/env.ts";
import { ConfigError } from "../core/errors.ts";
import { lazySqs } from "../core/sqs-connect.ts";
import { BatchCore, type BatchRun, type Settlement } from "./batch-core.ts";
import type { JobHandler } from "./handle.ts";
import type { ConsumerHooks } from "./hooks.ts";
import type { LambdaContext, SqsBatchResponse, SqsEvent, SqsRecord } from "./lambda-types.ts";
import { type Logger, type LogLevel, resolveLogger } from "./logger.ts";
import { BatchMetrics, DEFAULT_METRICS_NAMESPACE, EmfFormat } from "./metrics.ts";
import { DeadLetterQueues, isFifoQueue, queueName, queueUrlFromArn } from "./queues.ts";
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
   * CloudWatch Embedded Metric Format lines (processed, succeeded, failed, deadLettered, duration
   * per job name), one per job name per batch; `false` turns them off.
   * @default true, namespace "SqsJobs"
   */
  readonly metrics?: boolean | { readonly namespace?: string };
}

function checkOptions(options: SqsHandlerOptions): void {
  const problems: string[] = [];
  const { concurrency, timeMarginMs } = options;
  if (
    concurrency !== undefined &&
    (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000)
  ) {
    problems.push(`concurrency must be an integer between 1 and 10,000, but ${concurrency} was provided`);
  }
  if (timeMarginMs !== undefined && (!Number.isFinite(timeMarginMs) || timeMarginMs < 0)) {
    problems.push(`timeMarginMs must be a number of milliseconds >= 0, but ${timeMarginMs} was provided`);
  }
  if (problems.length > 0)
    throw new ConfigError(`createSqsHandler options are invalid:\n  - ${problems.join("\n  - ")}`);
}

/**
 * Whether a job of `timeoutMs` still fits the invocation. The remaining time is read once per
 * batch and counted down with the clock the core reads per record anyway: Lambda's
 * `getRemainingTimeInMillis` reads the clock on each call. A missing context (a test, a
 * hand-made invocation) means no time limit to respect.
 */
function timeCheck(context: LambdaContext | undefined, marginMs: number): BatchRun["canStart"] {
  if (typeof context?.getRemainingTimeInMillis !== "function") return undefined;
  const endsAt = performance.now() + context.getRemainingTimeInMillis();
  return (timeoutMs, now) => endsAt - now >= timeoutMs + marginMs;
}

/**
 * A Lambda handler for an SQS event source mapping with ReportBatchItemFailures. It never throws
 * because of a record: every record that is not done (failed and due for a retry, not started in
 * time, held back behind a FIFO group failure, or not dead-lettered) is listed in
 * `batchItemFailures`; the rest are deleted by Lambda.
 *
 * @example
 * export const handler = createSqsHandler([
 *   handle(resizeImage, async (payload, ctx) => resize(payload, ctx.signal)),
 * ]);
 */
export function createSqsHandler(
  handlers: readonly JobHandler[],
  options: SqsHandlerOptions = {},
): (event: SqsEvent, context: LambdaContext) => Promise<SqsBatchResponse> {
  checkOptions(options);
  const logger = resolveLogger(options.logger, options.logLevel);
  // No SDK import, no client until a record needs SQS: most invocations never do.
  const sqs = lazySqs(options.sqs);
  // Built at cold start, so duplicate handlers fail the deployment's first invocation loudly.
  const core = new BatchCore(handlers, { sqs, logger, hooks: options.hooks ?? {} });
  const dlqs = new DeadLetterQueues(sqs);
  const concurrency = options.concurrency ?? 10;
  const margin = options.timeMarginMs ?? 1_000;
  const metrics = options.metrics ?? true;
  const emf =
    metrics === false
      ? undefined
      : new EmfFormat(
          typeof metrics === "object"
            ? (metrics.namespace ?? DEFAULT_METRICS_NAMESPACE)
            : DEFAULT_METRICS_NAMESPACE,
        );
  const envQueueUrl = process.env[ENV.queueUrl]?.trim() || undefined;
  const envDlqUrl = process.env[ENV.dlqUrl]?.trim() || undefined;
  const urlByArn = new Map<string, string>();

  const sourceQueue = (arn: string | undefined): string => {
    if (options.queueUrl !== undefined) return options.queueUrl;
    if (arn === undefined || arn === "") {
      if (envQueueUrl !== undefined) return envQueueUrl;
      throw new ConfigError(
        `the SQS records carry no eventSourceARN, so their queue is unknown: pass queueUrl or set ${ENV.queueUrl}`,
      );
    }
    let url = urlByArn.get(arn);
    if (url === undefined) {
      const name = arn.slice(arn.lastIndexOf(":") + 1);
      url = envQueueUrl !== undefined && queueName(envQueueUrl) === name ? envQueueUrl : queueUrlFromArn(arn);
      urlByArn.set(arn, url);
    }
    return url;
  };

  return async (event, context) => {
    const records = event.Records;
    const failures: { itemIdentifier: string }[] = [];
    if (records.length === 0) return { batchItemFailures: failures };
    const first = records[0] as SqsRecord;
    // One event source mapping reads one queue, so a batch never mixes queues.
    const queueUrl = sourceQueue(first.eventSourceARN);
    const releases: string[] = [];
    const batchMetrics = emf === undefined ? undefined : new BatchMetrics();
    const settle = (record: SqsRecord, settlement: Settlement): void => {
      if (settlement === "delete") return;
      failures.push({ itemIdentifier: record.messageId });
      if (settlement === "release") releases.push(record.receiptHandle);
    };
    try {
      await core.run(records, {
        queueUrl,
        fifo: isFifoQueue(queueUrl),
        concurrency,
        dlqUrl: () => Promise.resolve(options.dlqUrl ?? envDlqUrl ?? dlqs.resolve(queueUrl)),
        canStart: timeCheck(context, margin),
        settle,
        metrics: batchMetrics,
      });
    } catch (error) {
      // The core settles every record itself; reaching here is a bug. Report the unsettled
      // records rather than failing the whole batch.
      logger.error("sqs-jobs batch core failed; returning every record not yet settled", {
        error: error instanceof Error ? error.message : String(error),
      });
      const reported = new Set(failures.map((f) => f.itemIdentifier));
      for (const record of records) {
        if (!reported.has(record.messageId)) failures.push({ itemIdentifier: record.messageId });
      }
    }
    if (releases.length > 0) {
      logger.warn("sqs-jobs returned records it did not start (time left or FIFO group stop)", {
        queueUrl,
        count: releases.length,
      });
      // Without this they would wait out the queue's full visibility timeout (6x the function's).
      await setVisibility(sqs, queueUrl, releases, 0, logger);
    }
    if (emf !== undefined && batchMetrics !== undefined) {
      const lines = batchMetrics.lines(emf, Date.now());
      if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
    }
    return { batchItemFailures: failures };
  };
}
