import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { LedgerOptions } from "../ledger/ledger-options.ts";
import type { SendOptions } from "./message.ts";
import type { PayloadOptions } from "./payload-offload.ts";
import type { OnProgress } from "./progress.ts";

export interface JobClientOptions {
  /**
   * The queue to send to.
   * @default the environment variable for `queue` (see {@link queueUrlEnvVar}), else `SQS_JOBS_QUEUE_URL`
   */
  readonly queueUrl?: string;
  /** Logical queue name whose environment variable holds the URL, as `JobQueue.grantSendJobs` sets it. */
  readonly queue?: string;
  /**
   * The client to send with; its middleware (tracing, logging) sees every request. Its HTTP pool
   * (the SDK's default: 50 keep-alive connections) caps how many requests run at once.
   * @default a client for the ambient region and credentials that honours `AWS_ENDPOINT_URL`,
   *   with a pool of 100 connections (sendBatch's highest concurrency)
   */
  readonly sqs?: SQSClient;
  /**
   * The queue's `MaximumMessageSize` when it is set below SQS's maximum, so oversize jobs are
   * refused before any network call.
   * @default 1,048,576 (1 MiB, SQS's maximum)
   */
  readonly maxMessageBytes?: number;
  /**
   * The job ledger: every job sent is recorded as `queued` first, unique keys are kept, and
   * `getJob` and `waitFor` read it. `false` turns it off.
   * @default on when `SQS_JOBS_LEDGER_TABLE` names a table (`JobQueue.grantSendJobs` sets it)
   */
  readonly ledger?: LedgerOptions | false;
  /**
   * The function `call` invokes: the queue's consumer.
   * @default the environment variable for `queue` (`SQS_JOBS_<QUEUE>_FUNCTION_NAME`, as
   *   `JobQueue.grantCallJobs` sets it), else `SQS_JOBS_FUNCTION_NAME`
   */
  readonly functionName?: string;
  /** The Lambda client `call` invokes with. @default one that honours `AWS_ENDPOINT_URL`, never retrying */
  readonly lambda?: LambdaClient;
  /** Where jobs sent for later (`at`, or `delaySeconds` above 900) wait: EventBridge Scheduler. */
  readonly scheduler?: SchedulerOptions;
  /** Messages past the queue's size (or a threshold) go through S3 (docs/payloads.md). */
  readonly payloads?: PayloadOptions;
  /**
   * The SNS topic `publish` and `publishBatch` publish to. A client given a topic (`topic` or
   * `topicArn`) and no queue publishes only; its `send` calls throw a `ConfigError`.
   * @default the environment variable for `topic` (`SQS_JOBS_<TOPIC>_TOPIC_ARN`, as
   *   `JobTopic.grantPublishJobs` sets it), else `SQS_JOBS_TOPIC_ARN`
   */
  readonly topicArn?: string;
  /** Logical topic name whose environment variable holds the ARN, as `JobTopic.grantPublishJobs` sets it. */
  readonly topic?: string;
  /**
   * The client to publish with (`@aws-sdk/client-sns`, an optional peer dependency: install it to publish).
   * @default one for the ambient region and credentials that honours `AWS_ENDPOINT_URL_SNS` /
   *   `AWS_ENDPOINT_URL`, with a pool of 100 connections
   */
  readonly sns?: SNSClient;
}

/** Options of `publish`: a FIFO topic's message group and deduplication id. */
export interface PublishOptions {
  /** FIFO message group; overrides the job's `fifo.groupId`. */
  readonly groupId?: string;
  /** FIFO deduplication id; overrides the job's `fifo.dedupId`. */
  readonly dedupId?: string;
}

/** Options of `publishBatch`. */
export interface PublishBatchOptions
  extends PublishOptions,
    Pick<SendBatchOptions, "concurrency" | "maxRetries" | "onProgress"> {}

export interface SchedulerOptions {
  /**
   * The role Scheduler assumes to send to the queue (it needs `sqs:SendMessage` on it).
   * @default the environment variable for `queue` (`SQS_JOBS_<QUEUE>_SCHEDULER_ROLE_ARN`, as the
   *   `JobQueue` construct sets it), else `SQS_JOBS_SCHEDULER_ROLE_ARN`
   */
  readonly roleArn?: string;
  /** The schedule group one-time schedules are created in. @default "default" */
  readonly groupName?: string;
  /**
   * The queue Scheduler puts a job it could not deliver after its retries.
   * @default the environment variable for `queue` (`SQS_JOBS_<QUEUE>_SCHEDULER_DLQ_ARN`, as
   *   `JobQueue.grantScheduleJobs` sets it), else `SQS_JOBS_SCHEDULER_DLQ_ARN`; none if unset
   */
  readonly deadLetterArn?: string;
  /**
   * The client to create and delete schedules with.
   * @default one for the SQS client's region that honours `AWS_ENDPOINT_URL_SCHEDULER` /
   *   `AWS_ENDPOINT_URL`; throttled calls are tried again with backoff
   */
  readonly client?: SchedulerClient;
}

export interface SendBatchOptions extends SendOptions {
  /**
   * SendMessageBatch requests in flight at once. On a FIFO queue a message group is in one
   * request at a time (that keeps its order), so fewer groups than this send fewer requests.
   * @default 8
   */
  readonly concurrency?: number;
  /** Further tries of an entry or request that failed transiently. @default 5 */
  readonly maxRetries?: number;
  /**
   * Called after each request with the count of items settled so far. If it throws, sending goes
   * on without calling it again, and the result's `progressError` holds what it threw.
   */
  readonly onProgress?: OnProgress;
}
