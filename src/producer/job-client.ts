import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { classifyFailure, describeAwsError, queueMissingOr } from "../core/aws-errors.ts";
import {
  functionNameEnvVar,
  optionalEnv,
  queueUrlEnvVar,
  requireEnv,
  schedulerDlqArnEnvVar,
  schedulerRoleArnEnvVar,
} from "../core/env.ts";
import {
  ConfigError,
  InvalidOptionError,
  PayloadTooLargeError,
  SendError,
  SqsJobsError,
  ValidationError,
  type ValidationIssue,
} from "../core/errors.ts";
import type { JobDefinition, JobInput, JobResult } from "../core/job.ts";
import { createLambdaClient } from "../core/lambda-client.ts";
import { isFifoQueue, queueArnFromUrl, queueNameOf } from "../core/queue-url.ts";
import { SCHEDULE_NAME } from "../core/schedule-name.ts";
import { checkSqsConfig, createSqsClient } from "../core/sqs-client.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../core/sqs-limits.ts";
import type { JobState } from "../ledger/job-state.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { type LedgerConnect, type LedgerOptions, ledgerFrom } from "../ledger/ledger-options.ts";
import { LEDGER_TABLE_ENV } from "../ledger/table-layout.ts";
import {
  cancelTarget,
  createOneTimeSchedule,
  createSchedulerClient,
  deleteOneTimeSchedule,
  loadSchedulerSdk,
  type OneTimeTarget,
} from "../schedule/one-time.ts";
import { createSchedules } from "../schedule/schedule-batch.ts";
import { type AttemptWatch, watchAttempts } from "./attempt-watch.ts";
import { type CallOptions, callJob } from "./job-call.ts";
import { readJob, type WaitOptions, waitForJob } from "./job-status.ts";
import {
  checkSendOptions,
  type Delivery,
  type PreparedMessage,
  prepareMessage,
  type SendOptions,
} from "./message.ts";
import { type SendBatchItemResult, type SendBatchResult, sendPrepared } from "./send-batch.ts";
import { deliverReserved, type ReserveTarget, reserveAndRecord } from "./tracked-send.ts";

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
}

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

export interface SendResult {
  readonly jobId: string;
  readonly messageId: string;
  /**
   * True when the call retried after an attempt that ended without an answer (a 5xx, a reset, a
   * timeout): that attempt may have stored the job too, so SQS may hold it twice.
   * Consumers see jobs at least once anyway; this says where a second copy may come from.
   */
  readonly possibleDuplicate: boolean;
  /**
   * True when the job's unique key (or, on a FIFO queue with a ledger, its deduplication id)
   * was held by a live job: nothing was sent, and `jobId` is that job's id (`messageId` is empty).
   */
  readonly deduplicated: boolean;
  /**
   * Sent for later through EventBridge Scheduler: the schedule's name (`messageId` is empty
   * until it fires). `cancel(jobId)` deletes it while it has not fired.
   */
  readonly scheduleName?: string;
  /** Sent for later: when the schedule fires (to the minute on AWS, within a second locally). */
  readonly scheduledAt?: Date;
}

/** A sent job: its ids, and its result once it has one (needs the job ledger). */
export interface SentJob<J extends JobDefinition> extends SendResult {
  /**
   * Waits for the job's result, polling the ledger: `jobs.waitFor(job, jobId, options)` for this job.
   * @throws {JobDeadError} the job is dead; `failure` says why
   * @throws {WaitTimeoutError} it did not finish within `timeoutMs`
   */
  waitFor(options?: WaitOptions): Promise<JobResult<J>>;
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
  readonly #ledger: LedgerConnect | undefined;
  readonly #functionName: string | undefined;
  readonly #functionEnv: string;
  #lambda: LambdaClient | undefined;
  readonly #schedulerRoleArn: string | undefined;
  readonly #schedulerRoleEnv: string;
  readonly #schedulerGroup: string;
  readonly #schedulerDlqArn: string | undefined;
  #scheduler: Promise<SchedulerClient> | undefined;

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
    this.#ledger = ledgerFrom(options.ledger);
    this.#functionEnv = functionNameEnvVar(options.queue);
    this.#functionName = options.functionName ?? optionalEnv(this.#functionEnv);
    this.#lambda = options.lambda;
    this.#schedulerRoleEnv = schedulerRoleArnEnvVar(options.queue);
    this.#schedulerRoleArn = options.scheduler?.roleArn ?? optionalEnv(this.#schedulerRoleEnv);
    this.#schedulerGroup = options.scheduler?.groupName ?? "default";
    this.#schedulerDlqArn =
      options.scheduler?.deadLetterArn ?? optionalEnv(schedulerDlqArnEnvVar(options.queue));
    if (!SCHEDULE_NAME.test(this.#schedulerGroup)) {
      throw new ConfigError(
        `scheduler.groupName must be 1-64 letters, digits, "-", "_" or ".", but a ${this.#schedulerGroup.length}-character value was provided`,
      );
    }
    if (options.scheduler?.client !== undefined) this.#scheduler = Promise.resolve(options.scheduler.client);
  }

  /** Before any network call: a send for later needs the role Scheduler acts as. */
  #checkScheduling(delivery: Delivery): void {
    if (delivery.kind === "schedule" && this.#schedulerRoleArn === undefined) {
      throw new ConfigError(
        `sending a job for later needs the role EventBridge Scheduler sends it with: pass scheduler: { roleArn }, or set ${this.#schedulerRoleEnv} (JobQueue sets it)`,
      );
    }
  }

  /**
   * A send for later's schedule target, resolved before any key is reserved: what cannot be
   * built (a queue URL whose ARN cannot be told, the Scheduler SDK) fails with nothing sent.
   */
  async #later(at: Date): Promise<Later> {
    const target = await this.#oneTimeTarget();
    await loadSchedulerSdk();
    return { at, target };
  }

  async #oneTimeTarget(): Promise<OneTimeTarget> {
    const region = await this.#sqs.config.region();
    // A failed load is not kept: the next send for later tries again.
    this.#scheduler ??= createSchedulerClient(region).catch((error: unknown) => {
      this.#scheduler = undefined;
      throw error;
    });
    return {
      client: await this.#scheduler,
      groupName: this.#schedulerGroup,
      roleArn: this.#schedulerRoleArn as string,
      deadLetterArn: this.#schedulerDlqArn,
      queueArn: queueArnFromUrl(this.queueUrl, region),
    };
  }

  /**
   * Deletes the schedule of a job sent for later that has not fired yet, so it never runs; with
   * the ledger, its `queued` entry goes too and the unique key it held is freed.
   * Returns false when there is no such schedule: it already fired, was cancelled, or the job
   * was sent at once.
   *
   * @throws {SendError} Scheduler refused or failed the call (throttling is tried again first);
   *   or the schedule was deleted but the ledger could not free the job's entry and unique key
   *   (the message says so: the job will not run, the key stays held until its window ends)
   * @example
   * const { jobId } = await jobs.send(sendEmail, reminder, { at: tomorrow });
   * await jobs.cancel(jobId); // true
   */
  async cancel(jobIdOrScheduleName: string): Promise<boolean> {
    const { jobId, name } = cancelTarget(jobIdOrScheduleName);
    if (!SCHEDULE_NAME.test(name)) {
      throw new InvalidOptionError(
        `cancel takes a job id or schedule name of letters, digits, "-", "_" and ".", but a ${jobIdOrScheduleName.length}-character value was provided`,
      );
    }
    await checkSqsConfig(this.#sqs);
    const target = await this.#oneTimeTarget();
    let deleted: boolean;
    try {
      deleted = await deleteOneTimeSchedule(target.client, target.groupName, name);
    } catch (error) {
      throw new SendError(`cancelling schedule ${name} failed: ${describeAwsError(error)}`, { cause: error });
    }
    if (deleted && this.#ledger !== undefined) {
      const ledger = await this.#ledger();
      try {
        await ledger.forgetCancelled(jobId);
      } catch (error) {
        // Not in silence: a unique key the job held would answer later sends `deduplicated` onto a
        // job that will never run, until its window (counted from `at`) ends.
        throw new SendError(
          `job ${jobId} is cancelled (its schedule is deleted: it will not run), but the job ledger (${ledger.tableName}) could not remove its entry, so a unique key it held stays held until its window ends: ${describeAwsError(error)}`,
          { cause: error, maybeSent: false },
        );
      }
    }
    return deleted;
  }

  /**
   * Runs a job now and returns its result: invokes the queue's consumer function directly
   * (Lambda Invoke, no queue round trip), which validates the payload, runs the handler with its
   * timeout and hooks, and checks the result like any run. No retries: a failed call is an
   * error for you to handle, never a second run behind your back. With the consumer's ledger a
   * call is tracked (its entry, outcome and concurrency slot) like a queued job; it never
   * reserves or checks a unique key.
   *
   * @throws {ValidationError} the payload fails the schema (nothing invoked)
   * @throws {JobDeadError} the handler threw or timed out, or its result failed the schema
   * @throws {CallError} no answer from the handler (throttled, crashed, timed out); `maybeRan`
   *   says whether the job may have run
   * @throws {CallNotStartedError} the job did not run: every concurrency slot of its key stayed
   *   taken for the wait `timeoutMs` leaves beyond the job's timeout, or the ledger was out of reach
   * @example
   * const thumbnail = await jobs.call(resizeImage, { key: "a.png", width: 200 }, { timeoutMs: 10_000 });
   */
  async call<J extends JobDefinition>(
    job: J,
    payload: JobInput<J>,
    options: CallOptions = {},
  ): Promise<JobResult<J>> {
    const prepared = await prepareMessage(job, payload, {}, false);
    if (!prepared.ok) throw new ValidationError(job.name, prepared.issues);
    if (this.#functionName === undefined) {
      throw new ConfigError(
        `call needs the consumer function's name: pass functionName, or set ${this.#functionEnv} (JobQueue.grantCallJobs sets it)`,
      );
    }
    this.#lambda ??= createLambdaClient({}, { maxAttempts: 1 });
    const m = prepared.message;
    return callJob(this.#lambda, this.#functionName, job, m.jobId, m.body, options);
  }

  /**
   * The job as the ledger knows it, or undefined when it has no entry (not sent through a
   * ledger, or expired).
   * @throws {ConfigError} this client has no ledger
   */
  async getJob<J extends JobDefinition>(job: J, jobId: string): Promise<JobState<JobResult<J>> | undefined> {
    return readJob(await this.#requireLedger("getJob"), job, jobId);
  }

  /**
   * Waits until the job succeeded and returns its result (typed by the job's `result` schema).
   * @throws {JobDeadError} the job is dead; `failure` holds the reason and the last error
   * @throws {WaitTimeoutError} it did not finish within `timeoutMs` (default 30 s); it goes on
   * @throws {ConfigError} this client has no ledger
   * @example
   * const { jobId } = await jobs.send(buildReport, { fileKey });
   * const report = await jobs.waitFor(buildReport, jobId, { timeoutMs: 60_000 });
   */
  async waitFor<J extends JobDefinition>(
    job: J,
    jobId: string,
    options?: WaitOptions,
  ): Promise<JobResult<J>> {
    return waitForJob(await this.#requireLedger("waitFor"), job, jobId, options);
  }

  async #requireLedger(what: string): Promise<Ledger> {
    if (this.#ledger === undefined) {
      throw new ConfigError(
        `${what} reads the job ledger, and this client has none: pass ledger: { tableName }, or set ${LEDGER_TABLE_ENV} (JobQueue({ ledger }).grantSendJobs sets it)`,
      );
    }
    return this.#ledger();
  }

  /** The ledger, or undefined when off; a job with a unique key cannot be sent without one. */
  async #ledgerFor(job: JobDefinition): Promise<Ledger | undefined> {
    if (this.#ledger !== undefined) return this.#ledger();
    if (job.unique !== undefined) return this.#requireLedger(`job "${job.name}" has a unique key, which`);
    return undefined;
  }

  #sent<J extends JobDefinition>(job: J, result: SendResult): SentJob<J> {
    return { ...result, waitFor: (options?: WaitOptions) => this.waitFor(job, result.jobId, options) };
  }

  /**
   * Validates and sends one job. The result's `possibleDuplicate` says whether a retry within
   * the call (the SDK's) may have stored it twice. With a ledger, a job whose unique key (or FIFO
   * deduplication id) another send holds but has not confirmed yet waits for that send to settle,
   * at most that send's lease (30 s for a send, plus 10 ms a job for a batch) and 1 s for clock
   * differences (docs/ledger.md, "Pending keys").
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
  ): Promise<SentJob<J>> {
    const delivery = checkSendOptions(options, this.fifo);
    this.#checkScheduling(delivery);
    const prepared = await prepareMessage(job, payload, sqsOptions(options, delivery), this.fifo);
    if (!prepared.ok) throw new ValidationError(job.name, prepared.issues);
    const m = prepared.message;
    if (m.sizeBytes > this.#maxMessageBytes)
      throw new PayloadTooLargeError(job.name, m.sizeBytes, this.#maxMessageBytes);
    await checkSqsConfig(this.#sqs);
    // Everything that can fail without a network call fails before a key is reserved.
    const later = delivery.kind === "schedule" ? await this.#later(delivery.at) : undefined;
    // A schedule's creation is not cut short: its lease is the same, and Scheduler's calls are quick.
    const deliver = (signal?: AbortSignal): Promise<SentJob<J>> =>
      later === undefined ? this.#sendNow(job, m, signal) : this.#sendLater(job, m, later);
    const ledger = await this.#ledgerFor(job);
    if (ledger === undefined) return deliver();
    const reservation = await reserveAndRecord(ledger, job, [m], this.#reserveTarget(delivery));
    const held = reservation.deduplicated[0];
    if (held !== undefined) {
      return this.#sent(job, {
        jobId: held.heldBy,
        messageId: "",
        possibleDuplicate: false,
        deduplicated: true,
      });
    }
    return deliverReserved(ledger, reservation, deliver);
  }

  /** What decides the ledger keys of jobs sent with `delivery`. */
  #reserveTarget(delivery: Delivery): ReserveTarget {
    return {
      queue: queueNameOf(this.queueUrl),
      runsAt: runsAt(delivery),
      // A schedule's SendMessage carries no deduplication id (the queue deduplicates on content).
      sqsDeduplicates: this.fifo && delivery.kind === "now",
    };
  }

  /**
   * One SendMessage; a failure says whether SQS may hold the job anyway (`maybeSent`: also when
   * `signal`, the deadline of the job's ledger keys, cut it short).
   */
  async #sendNow<J extends JobDefinition>(
    job: J,
    m: PreparedMessage,
    signal: AbortSignal | undefined,
  ): Promise<SentJob<J>> {
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
      const out = await this.#sqs.send(command, { abortSignal: signal });
      return this.#sent(job, {
        jobId: m.jobId,
        messageId: out.MessageId ?? "",
        possibleDuplicate: attempts.ambiguous,
        deduplicated: false,
      });
    } catch (error) {
      const maybeSent =
        attempts.ambiguous || signal?.aborted === true || classifyFailure(error) === "ambiguous";
      // A queue that does not exist holds nothing, whatever an earlier attempt did.
      const mapped = queueMissingOr(error, this.queueUrl);
      if (mapped instanceof SqsJobsError) throw mapped;
      throw new SendError(
        `sending job "${job.name}" to ${this.queueUrl} failed: ${describeAwsError(error)}${maybeSent ? "; SQS may hold it anyway (an attempt got no answer), so a resend may store it twice" : ""}`,
        { cause: error, maybeSent },
      );
    }
  }

  async #sendLater<J extends JobDefinition>(
    job: J,
    m: PreparedMessage,
    { at, target }: Later,
  ): Promise<SentJob<J>> {
    const outcome = await createOneTimeSchedule(target, m, at);
    if (outcome.ok) {
      return this.#sent(job, {
        jobId: m.jobId,
        messageId: "",
        possibleDuplicate: false,
        deduplicated: false,
        scheduleName: outcome.name,
        scheduledAt: at,
      });
    }
    throw new SendError(
      `scheduling job "${job.name}" for ${at.toISOString()} (schedule ${outcome.name}) failed: ${describeAwsError(outcome.error)}${outcome.maybeCreated ? "; the schedule may exist anyway (an attempt got no answer): cancel it or check before sending again" : ""}`,
      { cause: outcome.error, maybeSent: outcome.maybeCreated },
    );
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
    const delivery = checkSendOptions(options, this.fifo);
    this.#checkScheduling(delivery);
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
      const prepared = await prepareMessage(
        job,
        payloads[index] as JobInput<J>,
        sqsOptions(options, delivery),
        this.fifo,
      );
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
    const settings = {
      sqs: this.#sqs,
      queueUrl: this.queueUrl,
      fifo: this.fifo,
      concurrency,
      maxRetries,
      retryBaseMs: 100,
      onProgress: options.onProgress,
    };
    const later = delivery.kind === "schedule" ? await this.#later(delivery.at) : undefined;
    const send = (batch: readonly PreparedMessage[]): Promise<SendBatchResult> =>
      later === undefined
        ? sendPrepared(batch, settings)
        : this.#scheduleBatch(batch, later, concurrency, options.onProgress);
    const ledger = await this.#ledgerFor(job);
    if (ledger === undefined) return send(messages);

    const reservation = await reserveAndRecord(ledger, job, messages, this.#reserveTarget(delivery));
    const { toSend, deduplicated } = reservation;
    // A batch is not cut short at its keys' deadline: its lease grows with its size (see docs/ledger.md).
    const sent = await deliverReserved(
      ledger,
      reservation,
      () => send(toSend.map((r) => r.message)),
      (result, index) => {
        const item = result.items[index];
        if (item?.ok === true) return "sent";
        return item?.possibleDuplicate === true ? "maybe" : "unsent";
      },
    );
    const items = [
      ...sent.items.map((item) => ({
        ...item,
        index: (toSend[item.index] as (typeof toSend)[number]).index,
      })),
      ...deduplicated.map((d) => ({
        index: d.index,
        ok: true as const,
        jobId: d.heldBy,
        messageId: "",
        possibleDuplicate: false,
        deduplicated: true,
      })),
    ].sort((a, b) => a.index - b.index);
    return { ...sent, items, succeeded: sent.succeeded + deduplicated.length };
  }

  /** sendBatch for later: one schedule per job, with per-item results like SQS's path. */
  async #scheduleBatch(
    messages: readonly PreparedMessage[],
    { at, target }: Later,
    concurrency: number,
    onProgress: ((done: number, total: number) => void) | undefined,
  ): Promise<SendBatchResult> {
    let progressError: unknown;
    let progressFailed = false;
    const outcomes = await createSchedules(target, messages, at, concurrency, (done) => {
      if (onProgress === undefined || progressFailed) return;
      try {
        onProgress(done, messages.length);
      } catch (error) {
        progressFailed = true;
        progressError = error;
      }
    });
    const items = outcomes.map((outcome, index): SendBatchItemResult => {
      const jobId = (messages[index] as PreparedMessage).jobId;
      return outcome.ok
        ? {
            index,
            ok: true,
            jobId,
            messageId: "",
            possibleDuplicate: false,
            deduplicated: false,
            scheduleName: outcome.name,
            scheduledAt: at,
          }
        : {
            index,
            ok: false,
            jobId,
            error: describeAwsError(outcome.error),
            possibleDuplicate: outcome.maybeCreated,
          };
    });
    const succeeded = items.filter((i) => i.ok).length;
    const result = { items, succeeded, failed: items.length - succeeded };
    return progressFailed ? { ...result, progressError } : result;
  }
}

/** A send for later: when, and the schedule target that will carry it. */
interface Later {
  readonly at: Date;
  readonly target: OneTimeTarget;
}

/** When a job is due, if later than now: the ledger keeps its entry and key until after then. */
function runsAt(delivery: Delivery): Date | undefined {
  if (delivery.kind === "schedule") return delivery.at;
  return delivery.delaySeconds === undefined
    ? undefined
    : new Date(Date.now() + delivery.delaySeconds * 1000);
}

/** What prepareMessage sees: SQS's delay when the job goes now, none when a schedule carries it. */
function sqsOptions(options: SendOptions, delivery: Delivery): SendOptions {
  const { at: _at, ...rest } = options;
  return { ...rest, delaySeconds: delivery.kind === "now" ? delivery.delaySeconds : undefined };
}
