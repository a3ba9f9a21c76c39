import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { LedgerOptions } from "../ledger/ledger-options.ts";
import type { JobHandler } from "./handle.ts";
import type { ConsumerHooks } from "./hooks.ts";
import type { Logger, LogLevel } from "./logger.ts";

export interface WorkerOptions {
  /** @default `SQS_JOBS_QUEUE_URL` */
  readonly queueUrl?: string;
  readonly handlers: readonly JobHandler[];
  /** Jobs running at once. One receive is in flight per `batchSize` of it. @default 10 */
  readonly concurrency?: number;
  /** Messages asked for per ReceiveMessage, 1 to 10. @default 10 */
  readonly batchSize?: number;
  /** Long-polling wait per receive, 0 to 20 seconds. @default 20 */
  readonly waitTimeSeconds?: number;
  /**
   * Visibility timeout set on receive; the worker extends it while a job runs (heartbeat at half
   * of it). @default the queue's VisibilityTimeout
   */
  readonly visibilityTimeoutSeconds?: number;
  /** On stop, how long running jobs may take to finish before their messages are released. @default 30000 */
  readonly shutdownTimeoutMs?: number;
  /** Stop gracefully on SIGTERM and SIGINT. @default true */
  readonly handleSignals?: boolean;
  /** @default a client from the environment; honours AWS_ENDPOINT_URL(_SQS) */
  readonly sqs?: SQSClient;
  /** @default `SQS_JOBS_DLQ_URL`, else the queue's RedrivePolicy target (looked up once) */
  readonly dlqUrl?: string;
  /** @default one JSON line per entry on stdout */
  readonly logger?: Logger;
  /** @default `SQS_JOBS_LOG_LEVEL`, else "info" */
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
   * The client that completes the durable callbacks jobs carry (docs/durable.md).
   * @default one from the environment, built on the first completion; honours AWS_ENDPOINT_URL(_LAMBDA)
   */
  readonly lambda?: LambdaClient;
}

export interface Worker {
  readonly queueUrl: string;
  /**
   * Stops polling, lets running jobs finish (up to `shutdownTimeoutMs`), hands back the messages it
   * did not finish with visibility 0 and sends the pending deletes. Resolves like `done`.
   * On an idle worker the long poll in flight is aborted, so it stops at once (a message SQS hands
   * to that poll as it is aborted comes back after its visibility timeout). While jobs run, the
   * poll ends within `waitTimeSeconds` and what it brings is handed back at once.
   */
  stop(): Promise<void>;
  /** Resolves once the worker stopped cleanly; rejects if it could not start (e.g. no such queue). */
  readonly done: Promise<void>;
}
