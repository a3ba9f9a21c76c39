import { functionNameEnvVar, optionalEnv, queueUrlEnvVar, requireEnv, topicArnEnvVar } from "../core/env.ts";
import { ConfigError, ValidationError } from "../core/errors.ts";
import type { JobDefinition, JobInput, JobResult } from "../core/job.ts";
import { type LambdaConnect, lazyLambda } from "../core/lambda-connect.ts";
import { isFifoQueue } from "../core/queue-url.ts";
import { lazySqs, type SqsConnect } from "../core/sqs-connect.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../core/sqs-limits.ts";
import type { Chain, FlowSpec, FlowStarted, JobRoute } from "../flow/flow-spec.ts";
import { routeFor } from "../flow/routes.ts";
import type { FlowProgress } from "../ledger/flow-state.ts";
import type { JobState } from "../ledger/job-state.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { type LedgerConnect, ledgerFrom } from "../ledger/ledger-options.ts";
import type { CancelResult } from "../ledger/run-flags.ts";
import { LEDGER_TABLE_ENV } from "../ledger/table-layout.ts";
import { cancelTarget } from "../schedule/one-time.ts";
import { registerRoute } from "./client-route.ts";
import { type CallOptions, callJob } from "./job-call.ts";
import type {
  JobClientOptions,
  PublishBatchOptions,
  PublishOptions,
  SendBatchOptions,
} from "./job-client-options.ts";
import { readJob, type WaitOptions, waitForJob } from "./job-status.ts";
import { prepareMessage, type SendOptions } from "./message.ts";
import { PayloadOffload } from "./payload-offload.ts";
import { SchedulerLink } from "./send-later.ts";
import { MAX_CONCURRENCY, type PublishRoute, runSendPipeline, type SendRoute } from "./send-pipeline.ts";
import {
  type Delivered,
  type PublishResult,
  type SendBatchResult,
  type SentJob,
  toBatchResult,
} from "./send-result.ts";
import { withSendSpan } from "./send-trace.ts";
import { topicRouteFrom } from "./topic-route.ts";

/**
 * Sends typed jobs to one queue. Payloads are validated against the job's schema and measured
 * before any network call. `send`, `sendBatch` and sends for later take one pipeline
 * (`runSendPipeline`: validate, size, reserve unique keys, deliver, record).
 *
 * @example
 * const jobs = new JobClient({ queue: "reports" }); // reads SQS_JOBS_REPORTS_QUEUE_URL
 * const { jobId } = await jobs.send(buildReport, { fileKey: "uploads/a.csv" });
 */
export class JobClient {
  readonly #sqs: SqsConnect;
  readonly #ledger: LedgerConnect | undefined;
  readonly #functionName: string | undefined;
  readonly #functionEnv: string;
  readonly #lambda: LambdaConnect;
  readonly #scheduler: SchedulerLink;
  readonly #route: SendRoute | undefined;
  readonly #topic: PublishRoute | undefined;

  constructor(options: JobClientOptions = {}) {
    // One bucket for both ways out: a client's sends and publishes offload alike.
    const payloads = new PayloadOffload(options.payloads, options);
    const topic = topicRouteFrom(options, MAX_CONCURRENCY);
    this.#topic = topic === undefined ? undefined : { ...topic, payloads };
    // A client given only a topic publishes only: it needs no queue.
    const publishOnly = this.#topic !== undefined && options.queue === undefined;
    const queueUrl =
      options.queueUrl ??
      (publishOnly
        ? optionalEnv(queueUrlEnvVar())
        : requireEnv(queueUrlEnvVar(options.queue), "the queue URL"));
    if (queueUrl !== undefined && !/^https?:\/\/[^/\s]+\/\S+$/.test(queueUrl)) {
      throw new ConfigError(
        `queueUrl must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/my-queue, but "${queueUrl.slice(0, 200)}" was provided`,
      );
    }
    const max = options.maxMessageBytes ?? SQS_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(max) || max < 1024 || max > SQS_MAX_MESSAGE_BYTES) {
      throw new ConfigError(
        `maxMessageBytes must be an integer between 1,024 and ${SQS_MAX_MESSAGE_BYTES}, but ${max} was provided`,
      );
    }
    this.#sqs = lazySqs(options.sqs, {}, { maxSockets: MAX_CONCURRENCY });
    this.#ledger = ledgerFrom(options.ledger);
    this.#functionEnv = functionNameEnvVar(options.queue);
    this.#functionName = options.functionName ?? optionalEnv(this.#functionEnv);
    // One try: a retried invoke may run the job twice.
    this.#lambda = lazyLambda(options.lambda, { maxAttempts: 1 });
    this.#scheduler = new SchedulerLink(options.scheduler, options.queue);
    this.#route =
      queueUrl === undefined
        ? undefined
        : {
            queueUrl,
            fifo: isFifoQueue(queueUrl),
            sqs: this.#sqs,
            maxMessageBytes: max,
            ledgerFor: (job) => this.#ledgerFor(job),
            scheduler: this.#scheduler,
            payloads,
          };
    // A client that publishes only has no queue: `ctx.send` and flows route nothing through it.
    if (this.#route !== undefined) registerRoute(this, this.#route);
  }

  /**
   * The queue jobs are sent to.
   * @throws {ConfigError} the client was given a topic and no queue: it publishes only
   */
  get queueUrl(): string {
    return this.#sendRoute().queueUrl;
  }

  /** Whether the queue is a FIFO queue. @throws {ConfigError} the client has no queue */
  get fifo(): boolean {
    return this.#sendRoute().fifo;
  }

  /**
   * Validates and sends one job. The result's `possibleDuplicate` says whether a retry within
   * the call (the SDK's) may have stored it twice. With a ledger, a job whose unique key (or FIFO
   * deduplication id) another send holds but has not confirmed yet waits for that send to settle,
   * at most that send's lease (30 s, plus 10 ms a job of its delivery unit of at most 10) and 1 s
   * for clock differences (docs/ledger.md, "Pending keys").
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
    const request = { job, payloads: [payload], options, single: true };
    const item = (await runSendPipeline(this.#sendRoute(), request)).items[0] as Delivered;
    if (!item.ok) throw item.cause;
    return this.#sent(job, item);
  }

  /**
   * Validates every payload, then sends them in SendMessageBatch requests (10 entries and at most
   * 1 MiB each) with bounded concurrency, retrying transient failures. Returns one result per
   * payload; nothing is dropped silently. With a ledger, keys are reserved request by request,
   * so a job's key is pending only while its own request is under way; a chunk whose ledger
   * write fails is not sent, and its items say why.
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
    return toBatchResult(await runSendPipeline(this.#sendRoute(), { job, payloads, options, single: false }));
  }

  /**
   * Validates one job and publishes it to the client's SNS topic: every queue whose subscription
   * matches (the job name, and the attributes the job declares) receives its own copy, a job of
   * its own with the id `<queue>:<jobId>` (docs/fan-out.md). Nothing is recorded in the ledger
   * here: each copy is recorded by its consumer.
   *
   * @throws {ValidationError} the payload fails the schema, or an attribute function fails (nothing sent)
   * @throws {PayloadTooLargeError} body and attributes exceed SNS's 256 KiB (nothing sent)
   * @throws {InvalidOptionError} a FIFO topic without a group id, or a delay (SNS has none)
   * @throws {ConfigError} no topic configured, a job with a unique key, no region or credentials
   * @throws {TopicNotFoundError} the topic does not exist
   * @throws {SendError} SNS refused the message; `maybeSent` says whether it may have taken it anyway
   * @example
   * const events = new JobClient({ topic: "events" }); // reads SQS_JOBS_EVENTS_TOPIC_ARN
   * const { jobId } = await events.publish(reportReady, { reportId: "r-1", region: "eu" });
   */
  async publish<J extends JobDefinition>(
    job: J,
    payload: JobInput<J>,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    const request = { job, payloads: [payload], options, single: true };
    const item = (await runSendPipeline(this.#publishRoute(), request)).items[0] as Delivered;
    if (!item.ok) throw item.cause;
    return { jobId: item.jobId, messageId: item.messageId, possibleDuplicate: item.possibleDuplicate };
  }

  /**
   * Validates every payload, then publishes them in PublishBatch requests (10 entries and at most
   * 256 KiB each) with bounded concurrency, retrying transient failures; one result per payload,
   * as `sendBatch` gives. On a FIFO topic each message group is published in input order.
   *
   * @throws {ValidationError} one or more payloads are invalid or too large (nothing sent)
   * @throws {ConfigError} no topic configured, a job with a unique key, no region or credentials
   * @throws {TopicNotFoundError} the topic does not exist
   * @example
   * const { failed } = await events.publishBatch(reportReady, reports);
   */
  async publishBatch<J extends JobDefinition>(
    job: J,
    payloads: readonly JobInput<J>[],
    options: PublishBatchOptions = {},
  ): Promise<SendBatchResult> {
    return toBatchResult(
      await runSendPipeline(this.#publishRoute(), { job, payloads, options, single: false }),
    );
  }

  #sendRoute(): SendRoute {
    if (this.#route === undefined) {
      throw new ConfigError(
        `this client was given a topic and no queue, so it publishes only: pass queueUrl or queue, or set ${queueUrlEnvVar()}`,
      );
    }
    return this.#route;
  }

  #publishRoute(): PublishRoute {
    if (this.#topic === undefined) {
      throw new ConfigError(
        `publish needs a topic: pass topicArn or topic, or set ${topicArnEnvVar()} (JobTopic.grantPublishJobs sets it)`,
      );
    }
    return this.#topic;
  }

  /**
   * Cancels a job. One sent for later whose schedule has not fired: its schedule is deleted (and,
   * with the ledger, its entry and unique key go). With the ledger, also a job sent at once: a
   * queued (or retrying) one ends `cancelled` and its message is dropped when it arrives; a running
   * one's `ctx.signal` aborts within 3 s (its heartbeat reads the request) and it ends
   * `cancelled`, neither retried nor dead-lettered, unless it finishes first. The answer says
   * which: `cancelled`, `cancelling`, `finished` (with the final status: nothing changed) or
   * `not-found` (no schedule, and no ledger entry or no ledger).
   *
   * @throws {SendError} Scheduler refused or failed the call (throttling is tried again first);
   *   or the schedule was deleted but the ledger could not free the job's entry and unique key
   *   (the message says so: the job will not run, the key stays held until its window ends)
   * @example
   * const { jobId } = await jobs.send(sendEmail, reminder, { at: tomorrow });
   * await jobs.cancel(jobId); // { outcome: "cancelled" }
   */
  async cancel(jobIdOrScheduleName: string): Promise<CancelResult> {
    if (this.#scheduler.canSchedule || this.#ledger === undefined) {
      const deleted = await this.#scheduler.cancel(
        (await this.#sqs()).client,
        this.#sendRoute().queueUrl,
        jobIdOrScheduleName,
        this.#ledger,
      );
      if (deleted) return { outcome: "cancelled" };
    }
    if (this.#ledger === undefined) return { outcome: "not-found" };
    const ledger = await this.#ledger();
    // Loaded here: it needs the DynamoDB SDK, which a client that never cancels does not load.
    const { cancelJob } = await import("../ledger/run-flags.ts");
    return cancelJob(ledger, cancelTarget(jobIdOrScheduleName).jobId);
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
    if (job.debounce !== undefined) {
      throw new ConfigError(
        `job "${job.name}" is debounced: only the last of a key's sends runs, which a call (run now) cannot honour; send it instead`,
      );
    }
    const span = { operation: "call", jobName: job.name, queueUrl: undefined, count: 1 } as const;
    return withSendSpan({ ...span, carry: "envelope" }, async (trace) => {
      const prepared = await prepareMessage(job, payload, {}, false, trace);
      if (!prepared.ok) throw new ValidationError(job.name, prepared.issues);
      if (this.#functionName === undefined) {
        throw new ConfigError(
          `call needs the consumer function's name: pass functionName, or set ${this.#functionEnv} (JobQueue.grantCallJobs sets it)`,
        );
      }
      const m = prepared.message;
      return callJob(this.#lambda, this.#functionName, job, m.jobId, m.body, options);
    });
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

  /**
   * Starts a flow: its children now (on this client's queue, or the queue of the route that lists
   * their job), and its continuation once every child is final, exactly once; or a chain
   * (`chain(a, payload).then(b).then(c)`). Needs the job ledger. With a `key`, starting the same
   * flow again sends only the children no consumer took yet.
   *
   * @throws {ValidationError} a payload fails its schema (nothing sent)
   * @throws {SendError} some children could not be sent: start the same flow (same key) again
   * @throws {ConfigError} a client of the flow has no ledger
   * @example
   * const { flowId } = await jobs.flow({
   *   children: pages.map((url) => child(fetchPage, { url }, { key: url })),
   *   then: child(summarize, { site }),
   *   onChildFailure: "continue",
   * });
   */
  async flow<T extends JobDefinition>(
    spec: FlowSpec<T> | Chain,
    options: { readonly routes?: readonly JobRoute[] } = {},
  ): Promise<FlowStarted> {
    // Loaded on use, with the DynamoDB SDK: a client that starts no flow never pays for them.
    const { startFlow } = await import("../flow/start-flow.ts");
    return startFlow(spec, {
      parent: undefined,
      key: spec.key,
      // A publish-only client has no queue: each job of its flows needs a route.
      routeFor: routeFor(options.routes ?? [], async () => this.#sendRoute()),
    });
  }

  /**
   * A flow's progress (children succeeded, dead, pending; when its continuation was sent), or
   * undefined when the ledger has no such flow.
   * @throws {ConfigError} this client has no ledger
   */
  async getFlow(flowId: string): Promise<FlowProgress | undefined> {
    const ledger = await this.#requireLedger("getFlow");
    const { readFlowProgress } = await import("../flow/flow-progress.ts");
    return readFlowProgress(ledger, flowId);
  }

  async #requireLedger(what: string): Promise<Ledger> {
    if (this.#ledger === undefined) {
      throw new ConfigError(
        `${what} reads the job ledger, and this client has none: pass ledger: { tableName }, or set ${LEDGER_TABLE_ENV} (JobQueue({ ledger }).grantSendJobs sets it)`,
      );
    }
    return this.#ledger();
  }

  /** The ledger, or undefined when off; a job with a unique key or a debounce cannot be sent without one. */
  async #ledgerFor(job: JobDefinition): Promise<Ledger | undefined> {
    if (this.#ledger !== undefined) return this.#ledger();
    if (job.unique !== undefined) return this.#requireLedger(`job "${job.name}" has a unique key, which`);
    if (job.debounce !== undefined) return this.#requireLedger(`job "${job.name}" is debounced, which`);
    return undefined;
  }

  #sent<J extends JobDefinition>(job: J, item: Delivered & { readonly ok: true }): SentJob<J> {
    const { index: _index, ok: _ok, ...sent } = item;
    return { ...sent, waitFor: (options?: WaitOptions) => this.waitFor(job, sent.jobId, options) };
  }
}
