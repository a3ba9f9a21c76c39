import { setTimeout as delay } from "node:timers/promises";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { ConfigError, InvalidOptionError } from "sqs-jobs/internal/core/errors";
import type { JobDefinition, JobInput, JobResult } from "sqs-jobs/internal/core/job";
import { plural } from "sqs-jobs/internal/core/plural";
import type { JobState } from "sqs-jobs/internal/ledger/job-state";
import type { Ledger } from "sqs-jobs/internal/ledger/ledger";
import { ledgerFrom } from "sqs-jobs/internal/ledger/ledger-options";
import type { CancelResult } from "sqs-jobs/internal/ledger/run-flags";
import { peekDeadLetters } from "sqs-jobs/internal/ops/peek";
import { queueDepth } from "sqs-jobs/internal/ops/stats";
import { JobClient } from "sqs-jobs/internal/producer/job-client";
import { readJob } from "sqs-jobs/internal/producer/job-status";
import type { SendOptions } from "sqs-jobs/internal/producer/message";
import type { SentJob } from "sqs-jobs/internal/producer/send-result";
import { LOCAL_ACCOUNT } from "../local/app-model.ts";
import type { DevStack, LocalQueue, LocalTopic } from "../local/dev-stack.ts";
import type { DurableCallbackCompletion } from "../local/durable-callbacks.ts";
import { type DeadJob, toDeadJob } from "./dead-job.ts";
import {
  type BusyPart,
  DrainTimeoutError,
  jobNotInLedgerError,
  jobNotOnQueueError,
  unknownQueueError,
} from "./errors.ts";

export interface TestSendOptions<Queue extends string = string> extends SendOptions {
  /** The queue to send to. @default the one queue that carries the job */
  readonly queue?: Queue;
}

export interface DrainOptions {
  /** Give up after this long, with a `DrainTimeoutError` that names what is still busy. @default 10,000 */
  readonly timeoutMs?: number;
}

/** Endpoint, region and keys for the test's own AWS clients (S3, DynamoDB...): the app's endpoint. */
export interface TestAwsConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** A running app of a test: its queues, consumers, ledger and scheduler, on one local endpoint. */
export interface TestApp<Queue extends string = string> extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: SQS, S3, SNS, DynamoDB, Lambda and Scheduler APIs. */
  readonly endpoint: string;
  readonly aws: TestAwsConfig;
  /**
   * Every `host:port` the app listens on now: loopback only, ports of its own. DynamoDB's
   * (dynalite) is among them from the first DynamoDB call, which an app with a ledger makes at start.
   */
  readonly listeners: readonly string[];
  /** Each bucket of the app (CDK apps), by its local name and logical id. */
  readonly buckets: readonly { readonly logicalId: string; readonly name: string }[];
  /** Each queue (DLQs included) with its URL, its DLQ's and the jobs it carries. */
  readonly queues: readonly LocalQueue[];
  /**
   * Each SNS topic of the app (CDK apps) with its local ARN, the name `JobTopic` was given and its
   * payload bucket: `new JobClient({ topicArn, sns })` publishes to it as on AWS.
   */
  readonly topics: readonly LocalTopic[];
  /**
   * Sends a job with a `JobClient` pointed at the app (the ledger too, when the app has one), to
   * the queue that carries it. `at` and `delaySeconds` work as on AWS (SQS's delay, or a
   * schedule): see {@link TestApp.advanceTime} to bring them on.
   * @throws {SqsJobsError} `ERR_JOB_NOT_ON_QUEUE`: no queue (or several, without `queue`) carries the job
   * @throws {SqsJobsError} `ERR_UNKNOWN_QUEUE`: `queue` names no queue of the app
   */
  send<J extends JobDefinition>(
    job: J,
    payload: JobInput<J>,
    options?: TestSendOptions<Queue>,
  ): Promise<SentJob<J>>;
  /**
   * Resolves when every queue a function reads is empty (no message visible, in flight or
   * delayed), every function is idle and no schedule is due.
   * @throws {DrainTimeoutError} not within `timeoutMs`; `busy` names what is left
   */
  drain(options?: DrainOptions): Promise<void>;
  /**
   * The jobs in a queue's dead-letter queue, with their reasons; they stay there.
   * @throws {SqsJobsError} `ERR_UNKNOWN_QUEUE`
   */
  dlq(queue: Queue): Promise<DeadJob[]>;
  /**
   * The job as the ledger knows it, its result typed by the job's result schema.
   * @throws {SqsJobsError} `ERR_JOB_NOT_IN_LEDGER`: the ledger has no record of the id (never `undefined`, so a
   *   test reads `(await app.job(sent)).result` and a wrong id fails with the ids it did send)
   * @throws {ConfigError} the app has no ledger
   */
  job<J extends JobDefinition>(sent: SentJob<J>): Promise<JobState<JobResult<J>>>;
  job(jobId: string): Promise<JobState>;
  /**
   * Cancels a job as `JobClient.cancel` does on AWS: a queued one ends `cancelled`, a running one's
   * `ctx.signal` aborts within 3 s, one sent for later loses its schedule.
   * @throws {ConfigError} the job was not sent for later and the app has no ledger
   */
  cancel(sent: SentJob<JobDefinition> | string): Promise<CancelResult>;
  /**
   * Moves the app's clock forward by `ms`: SQS delays, retry backoffs and visibility timeouts end
   * `ms` sooner, and schedules (`at`, cron, rate) fire as if `ms` had passed. It does not move
   * `Date.now()` of the test or of the handlers, nor the lock of a message a function is running.
   * Resolves with the scheduler's new time once what fell due was sent to its queue.
   */
  advanceTime(ms: number): Promise<Date>;
  /** The app's clock: the wall clock plus every `advanceTime`. */
  now(): Date;
  /**
   * The durable callbacks the app's consumers completed (jobs sent with a `callbackId`, or by
   * `waitForJob`), first first: what a durable execution would receive (docs/durable.md).
   */
  durableCallbacks(): DurableCallbackCompletion[];
  /** Stops the consumers, servers and scheduler and removes the app's temporary files. */
  stop(): Promise<void>;
}

/** The role the local scheduler is told it sends with (it checks only that there is one). */
const LOCAL_SCHEDULER_ROLE = `arn:aws:iam::${LOCAL_ACCOUNT}:role/sqs-jobs-testing-scheduler`;
const DRAIN_POLL_MS = 20;

export function testApp<Queue extends string>(
  stack: DevStack,
  clients: {
    readonly sqs: SQSClient;
    /** The app's ledger table and a client of it, or `false` for an app without one. */
    readonly ledger: { readonly tableName: string; readonly dynamodb: DynamoDBClient } | false;
  },
): TestApp<Queue> {
  const aws: TestAwsConfig = {
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  const scheduler = new SchedulerClient({ ...aws, maxAttempts: 1 });
  // Path-style: the local endpoint serves buckets by path; made only for an app with a payload bucket.
  let s3Client: S3Client | undefined;
  const s3 = (): S3Client => {
    s3Client ??= new S3Client({ ...aws, forcePathStyle: true });
    return s3Client;
  };
  const ledger = clients.ledger;
  const connectLedger = ledgerFrom(ledger);
  const jobClients = new Map<string, JobClient>();
  const sentAs = new Map<string, JobDefinition>();
  /** The client each job was sent with: `cancel` goes through it. */
  const sentVia = new Map<string, JobClient>();
  const sources = stack.queues.filter((q) => q.dlqUrl !== undefined || q.jobs.length > 0);

  const queueNamed = (name: string): LocalQueue => {
    const found = stack.queues.find((q) => q.name === name || q.name === `${name}.fifo`);
    if (found === undefined)
      throw unknownQueueError(
        name,
        stack.queues.map((q) => q.name),
      );
    return found;
  };

  const queueFor = (job: JobDefinition, given: string | undefined): LocalQueue => {
    if (given !== undefined) return queueNamed(given);
    const carriers = stack.queues.filter((q) => q.jobs.includes(job.name));
    const [only] = carriers;
    if (only !== undefined && carriers.length === 1) return only;
    const known = sources.map((q) => `${q.name} (${q.jobs.join(", ") || "no jobs recorded"})`).join("; ");
    throw jobNotOnQueueError(
      job.name,
      carriers.length === 0
        ? `is carried by no queue of the test app: add it to a queue's jobs, or pass { queue }. Queues: ${known}`
        : `is carried by ${carriers.map((q) => q.name).join(" and ")}: pass { queue } to choose`,
    );
  };

  const clientFor = (queue: LocalQueue): JobClient => {
    let client = jobClients.get(queue.url);
    if (client === undefined) {
      client = new JobClient({
        queueUrl: queue.url,
        sqs: clients.sqs,
        ledger,
        scheduler: { roleArn: LOCAL_SCHEDULER_ROLE, client: scheduler },
        ...(queue.payloadBucket === undefined ? {} : { payloads: { bucket: queue.payloadBucket, s3: s3() } }),
      });
      jobClients.set(queue.url, client);
    }
    return client;
  };

  const requireLedger = async (): Promise<Ledger> => {
    if (connectLedger === undefined) {
      throw new ConfigError(
        "job(id) reads the job ledger, and this test app has none: give the app's queues a JobLedger, or start it with ledger: true",
      );
    }
    return connectLedger();
  };

  const busyParts = async (): Promise<BusyPart[]> => {
    const running = stack.inFlight();
    const busy: BusyPart[] = [];
    for (const url of new Set(running.map((r) => r.queueUrl))) {
      const depth = await queueDepth(clients.sqs, url);
      if (depth.visible + depth.inFlight + depth.delayed > 0) {
        const name = stack.queues.find((q) => q.url === url)?.name ?? url;
        busy.push({
          kind: "queue",
          name,
          detail: `${depth.visible} visible, ${depth.inFlight} in flight, ${depth.delayed} delayed`,
        });
      }
    }
    for (const r of running) {
      if (r.invocations > 0) {
        busy.push({
          kind: "function",
          name: r.functionName,
          detail: `${plural(r.invocations, "invocation")} running`,
        });
      }
    }
    return busy;
  };

  let stopping: Promise<void> | undefined;
  const app: TestApp<Queue> = {
    endpoint: stack.endpoint,
    aws,
    get listeners() {
      return stack.listeners;
    },
    buckets: stack.buckets.map((b) => ({ logicalId: b.logicalId, name: b.name })),
    queues: stack.queues,
    topics: stack.topics,
    async send(job, payload, options = {}) {
      const { queue, ...sendOptions } = options;
      const sent = await clientFor(queueFor(job, queue)).send(job, payload, sendOptions);
      sentAs.set(sent.jobId, job);
      sentVia.set(sent.jobId, clientFor(queueFor(job, queue)));
      return sent;
    },
    async cancel(target) {
      const jobId = typeof target === "string" ? target : target.jobId;
      const [first] = sources;
      const client = sentVia.get(jobId) ?? (first === undefined ? undefined : clientFor(first));
      if (client === undefined) return { outcome: "not-found" };
      return client.cancel(jobId);
    },
    async drain(options = {}) {
      const timeoutMs = options.timeoutMs ?? 10_000;
      if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
        throw new InvalidOptionError(
          `timeoutMs must be a number of milliseconds >= 0, but ${timeoutMs} was provided`,
        );
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // Fires what is due and waits for its delivery, so a due schedule is on its queue below.
        await stack.scheduler.tick();
        const busy = await busyParts();
        if (busy.length === 0) return;
        if (Date.now() >= deadline) throw new DrainTimeoutError(timeoutMs, busy);
        await delay(DRAIN_POLL_MS);
      }
    },
    async dlq(name) {
      const queue = queueNamed(name);
      const dlqUrl =
        queue.dlqUrl ?? (stack.queues.some((q) => q.dlqUrl === queue.url) ? queue.url : undefined);
      if (dlqUrl === undefined)
        throw unknownQueueError(
          `${name}'s DLQ`,
          sources.map((q) => q.name),
        );
      const depth = await queueDepth(clients.sqs, dlqUrl);
      const records = await peekDeadLetters(clients.sqs, dlqUrl, { limit: Math.max(1, depth.visible) });
      return records.map(toDeadJob);
    },
    async job(target: string | SentJob<JobDefinition>) {
      const jobId = typeof target === "string" ? target : target.jobId;
      const ledger = await requireLedger();
      const definition = sentAs.get(jobId);
      const state =
        definition !== undefined ? await readJob(ledger, definition, jobId) : await storedJob(ledger, jobId);
      if (state === undefined) {
        throw jobNotInLedgerError(
          jobId,
          [...sentAs].map(([id, job]) => ({ jobId: id, jobName: job.name })),
        );
      }
      return state;
    },
    async advanceTime(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new InvalidOptionError(`advanceTime takes milliseconds >= 0, but ${ms} was provided`);
      }
      return stack.advanceClock(ms);
    },
    now: () => stack.scheduler.now(),
    durableCallbacks: () => stack.durableCallbacks.all(),
    stop() {
      stopping ??= (async () => {
        scheduler.destroy();
        s3Client?.destroy();
        await stack.stop();
        clients.sqs.destroy();
        if (ledger !== false) ledger.dynamodb.destroy();
      })();
      return stopping;
    },
    [Symbol.asyncDispose]: () => app.stop(),
  };
  return app;
}

/** A job the app did not send (a schedule's run, a raw SQS message): its result as stored, untyped. */
async function storedJob(ledger: Ledger, jobId: string): Promise<JobState | undefined> {
  const stored = await ledger.get(jobId);
  if (stored === undefined) return undefined;
  const { resultJson, flowIds, ...state } = stored;
  // Loaded here: the flows' reads bring the DynamoDB SDK, which an app without a ledger never loads.
  const { readFlowProgress } = await import("sqs-jobs/internal/flow/flow-progress");
  const flows = await Promise.all(flowIds.map((flowId) => readFlowProgress(ledger, flowId)));
  return {
    ...state,
    result: resultJson === undefined ? undefined : (JSON.parse(resultJson) as unknown),
    flows: flows.filter((f) => f !== undefined),
  };
}
