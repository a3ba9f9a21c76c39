import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { classifyFailure, describeAwsError, queueMissingOr } from "../core/aws-errors.ts";
import { queueUrlEnvVar, requireEnv } from "../core/env.ts";
import {
  ConfigError,
  PayloadTooLargeError,
  SendError,
  SqsJobsError,
  ValidationError,
  type ValidationIssue,
} from "../core/errors.ts";
import type { JobDefinition, JobInput } from "../core/job.ts";
import { isFifoQueue } from "../core/queue-url.ts";
import { checkSqsConfig, createSqsClient } from "../core/sqs-client.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../core/sqs-limits.ts";
import { type AttemptWatch, watchAttempts } from "./attempt-watch.ts";
import { checkSendOptions, type PreparedMessage, prepareMessage, type SendOptions } from "./message.ts";
import { type SendBatchResult, sendPrepared } from "./send-batch.ts";

/** sendBatch's highest `concurrency`; the client JobClient creates pools this many connections. */
const MAX_CONCURRENCY = 100;

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
}

export interface SendResult {
  readonly jobId: string;
  readonly messageId: string;
  /**
   * True when the call retried after an attempt that ended without an answer (a 5xx, a reset, a
   * timeout): that attempt may have stored the job too, so SQS may hold it twice.
   * Consumers see jobs at least once anyway; this says where a second copy may come from.
   */
  readonly possibleDuplicate: boolean;
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
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Sends typed jobs to one queue. Payloads are validated against the job's schema and measured
 * before any network call.
 *
 * @example
 * const jobs = new JobClient({ queue: "reports" }); // reads SQS_JOBS_REPORTS_QUEUE_URL
 * const { jobId } = await jobs.send(buildReport, { fileKey: "uploads/a.csv" });
 */
export class JobClient {
  readonly queueUrl: string;
  readonly fifo: boolean;
  readonly #sqs: SQSClient;
  readonly #maxMessageBytes: number;

  constructor(options: JobClientOptions = {}) {
    this.queueUrl = options.queueUrl ?? requireEnv(queueUrlEnvVar(options.queue), "the queue URL");
    if (!/^https?:\/\/[^/\s]+\/\S+$/.test(this.queueUrl)) {
      throw new ConfigError(
        `queueUrl must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/my-queue, but "${this.queueUrl.slice(0, 200)}" was provided`,
      );
    }
    const max = options.maxMessageBytes ?? SQS_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(max) || max < 1024 || max > SQS_MAX_MESSAGE_BYTES) {
      throw new ConfigError(
        `maxMessageBytes must be an integer between 1,024 and ${SQS_MAX_MESSAGE_BYTES}, but ${max} was provided`,
      );
    }
    this.#maxMessageBytes = max;
    this.fifo = isFifoQueue(this.queueUrl);
    this.#sqs = options.sqs ?? createSqsClient({}, { maxSockets: MAX_CONCURRENCY });
  }

  /**
   * Validates and sends one job. The result's `possibleDuplicate` says whether a retry within
   * the call (the SDK's) may have stored it twice.
   *
   * @throws {ValidationError} the payload fails the schema (nothing sent)
   * @throws {ConfigError} no AWS region or no credentials could be found (nothing sent)
   * @throws {PayloadTooLargeError} the encoded message exceeds the size limit (nothing sent)
   * @throws {InvalidOptionError} a bad delay, or a FIFO send without a group id
   * @throws {QueueNotFoundError} the queue does not exist
   * @throws {SendError} SQS refused the message; `cause` holds the AWS error, `maybeSent` says
   *   whether SQS may hold it anyway
   * @example
   * const { jobId, possibleDuplicate } = await jobs.send(resizeImage, { key: "a.png", width: 200 });
   */
  async send<J extends JobDefinition>(
    job: J,
    payload: JobInput<J>,
    options: SendOptions = {},
  ): Promise<SendResult> {
    checkSendOptions(options, this.fifo);
    const prepared = await prepareMessage(job, payload, options, this.fifo);
    if (!prepared.ok) throw new ValidationError(job.name, prepared.issues);
    const m = prepared.message;
    if (m.sizeBytes > this.#maxMessageBytes)
      throw new PayloadTooLargeError(job.name, m.sizeBytes, this.#maxMessageBytes);
    await checkSqsConfig(this.#sqs);
    const attempts: AttemptWatch = { ambiguous: false };
    try {
      const command = new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: m.body,
        MessageAttributes: m.attributes,
        DelaySeconds: m.delaySeconds,
        MessageGroupId: m.groupId,
        MessageDeduplicationId: m.dedupId,
      });
      watchAttempts(command, attempts);
      const out = await this.#sqs.send(command);
      return { jobId: m.jobId, messageId: out.MessageId ?? "", possibleDuplicate: attempts.ambiguous };
    } catch (error) {
      const mapped = queueMissingOr(error, this.queueUrl);
      if (mapped instanceof SqsJobsError) throw mapped;
      const maybeSent = attempts.ambiguous || classifyFailure(error) === "ambiguous";
      throw new SendError(
        `sending job "${job.name}" to ${this.queueUrl} failed: ${describeAwsError(error)}${maybeSent ? "; SQS may hold it anyway (an attempt got no answer), so a resend may store it twice" : ""}`,
        { cause: error, maybeSent },
      );
    }
  }

  /**
   * Validates every payload, then sends them in SendMessageBatch requests (10 entries and at most
   * 1 MiB each) with bounded concurrency, retrying transient failures. Returns one result per
   * payload; nothing is dropped silently.
   *
   * @throws {ValidationError} one or more payloads are invalid or too large; `issues` paths start
   *   with the item index; nothing was sent
   * @throws {ConfigError} no AWS region or no credentials could be found (nothing sent)
   * @throws {QueueNotFoundError} the queue does not exist
   * @example
   * const { failed, items } = await jobs.sendBatch(sendEmail, recipients.map((to) => ({ to })));
   */
  async sendBatch<J extends JobDefinition>(
    job: J,
    payloads: readonly JobInput<J>[],
    options: SendBatchOptions = {},
  ): Promise<SendBatchResult> {
    checkSendOptions(options, this.fifo);
    const concurrency = options.concurrency ?? 8;
    const maxRetries = options.maxRetries ?? 5;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new ConfigError(
        `concurrency must be an integer between 1 and ${MAX_CONCURRENCY}, but ${concurrency} was provided`,
      );
    }
    if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 20) {
      throw new ConfigError(`maxRetries must be an integer between 0 and 20, but ${maxRetries} was provided`);
    }
    const messages: PreparedMessage[] = [];
    const issues: ValidationIssue[] = [];
    for (let index = 0; index < payloads.length; index++) {
      let prepared = prepareMessage(job, payloads[index] as JobInput<J>, options, this.fifo);
      if (prepared instanceof Promise) prepared = await prepared;
      if (!prepared.ok) {
        for (const issue of prepared.issues) issues.push({ ...issue, path: [index, ...issue.path] });
      } else if (prepared.message.sizeBytes > this.#maxMessageBytes) {
        issues.push({
          path: [index],
          kind: "too_large",
          message: `message is ${prepared.message.sizeBytes} bytes, above the limit of ${this.#maxMessageBytes}`,
        });
      } else {
        messages.push(prepared.message);
      }
    }
    if (issues.length > 0) {
      const bad = new Set(issues.map((i) => i.path[0]));
      throw new ValidationError(job.name, issues, {
        subject: `${bad.size} of ${payloads.length} payloads for job "${job.name}" are`,
      });
    }
    await checkSqsConfig(this.#sqs);
    return sendPrepared(messages, {
      sqs: this.#sqs,
      queueUrl: this.queueUrl,
      fifo: this.fifo,
      concurrency,
      maxRetries,
      retryBaseMs: 100,
      onProgress: options.onProgress,
    });
  }
}
