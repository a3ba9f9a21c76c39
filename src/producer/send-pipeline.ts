import type { SQSClient } from "@aws-sdk/client-sqs";
import { checkSqsConfig } from "../core/aws-config-check.ts";
import { ConfigError, InvalidOptionError } from "../core/errors.ts";
import type { JobDefinition, JobInput } from "../core/job.ts";
import { queueNameOf } from "../core/queue-url.ts";
import type { SnsLink } from "../core/sns-client.ts";
import { SNS_MAX_MESSAGE_BYTES } from "../core/sns-limits.ts";
import type { SqsConnect, SqsLink } from "../core/sqs-connect.ts";
import { topicNameOf } from "../core/topic-arn.ts";
import type { publishedCopyId } from "../core/topic-attribute.ts";
import type { Ledger } from "../ledger/ledger.ts";
import { debouncedOptions, debounceKeys, recordDebounced } from "./debounce-send.ts";
import { type DeliveryChannel, queueChannel } from "./delivery-channel.ts";
import type { ReserveTarget } from "./held-keys.ts";
import type { SendBatchOptions } from "./job-client-options.ts";
import {
  checkSendOptions,
  type Delivery,
  type JobIdentity,
  type PreparedMessage,
  type SendOptions,
} from "./message.ts";
import type { PayloadOffload } from "./payload-offload.ts";
import { prepareJobs } from "./prepare-jobs.ts";
import { ProgressReport } from "./progress.ts";
import { sendPrepared } from "./send-batch.ts";
import { deliverEach } from "./send-each.ts";
import { OPEN_GATE, type SendGate } from "./send-gate.ts";
import { type SchedulerLink, scheduleLater } from "./send-later.ts";
import { sendNow } from "./send-now.ts";
import type { Delivered, PipelineResult } from "./send-result.ts";
import { type MessageTrace, withSendSpan } from "./send-trace.ts";
import { topicChannel } from "./topic-channel.ts";
import { LedgerGate } from "./tracked-send.ts";

/** sendBatch's highest `concurrency`; the client JobClient creates pools this many connections. */
export const MAX_CONCURRENCY = 100;

/** The queue a pipeline sends to, and what it sends with. */
export interface SendRoute {
  readonly queueUrl: string;
  readonly fifo: boolean;
  /** The SQS client with its SDK, loaded on the first send. */
  readonly sqs: SqsConnect;
  /** The queue's maximum message size. */
  readonly maxMessageBytes: number;
  /** The ledger for jobs of `job`, or undefined when off. */
  readonly ledgerFor: (job: JobDefinition) => Promise<Ledger | undefined>;
  readonly scheduler: SchedulerLink;
  /** The offload step's bucket and thresholds (docs/payloads.md); none: every job goes whole. */
  readonly payloads?: PayloadOffload;
}

/** The topic a pipeline publishes to (`publish`, `publishBatch`). */
export interface PublishRoute {
  readonly topicArn: string;
  readonly fifo: boolean;
  /** The SNS client, with its SDK loaded on first use (an optional peer). */
  readonly sns: () => Promise<SnsLink>;
  /** Where publishes past SNS's 256 KiB (or a job's threshold) go (docs/payloads.md). */
  readonly payloads?: PayloadOffload;
}

/** Jobs of one definition to send, with the call's options. */
export interface SendRequest<J extends JobDefinition> {
  readonly job: J;
  readonly payloads: readonly JobInput<J>[];
  readonly options: SendBatchOptions;
  /**
   * `send`: one job, delivered with SendMessage (cut short at its keys' deadline), whose problems
   * are thrown as the call's own; else a batch, with per-item results.
   */
  readonly single: boolean;
  /** Jobs of a flow (`ctx.send`, `flow`): each payload's derived id and place in the flow. */
  readonly identities?: readonly JobIdentity[];
}

/** The deliver step: puts opened jobs on the queue (or in schedules); one result per message. */
type Deliver = (
  messages: readonly PreparedMessage[],
  gate: SendGate,
  progress: ProgressReport,
) => Promise<Delivered[]>;

/**
 * The one send pipeline: `send` (a batch of one), `sendBatch` and sends for later all take it.
 *
 * 1. validate and size ({@link prepareJobs}): every payload, before any network call;
 * 1b. offload ({@link PayloadOffload}): a message above its threshold is stored in S3 and
 *    travels as the SQS Extended Client's pointer (docs/payloads.md), before any key is reserved;
 * 2. reserve unique keys and record the jobs `queued` ({@link SendGate.open}), per delivery unit
 *    of at most 10 jobs, so each key's lease covers its own job's delivery;
 * 3. deliver: SendMessage ({@link sendNow}), SendMessageBatch ({@link sendPrepared}) or
 *    CreateSchedule ({@link scheduleLater}), chosen by the call, not by the steps around it;
 *    to a topic (`publish`), SNS Publish or PublishBatch through the same two steps, with the
 *    job's declared attributes added at the validate step and no keys reserved or recorded;
 * 4. record the outcome ({@link SendGate.close}): keys confirmed for jobs that reached the queue,
 *    given back with their entries for jobs that certainly did not.
 *
 * Flows (issue #24: a parent sends its children with ids derived from its own id and a key)
 * reuse it whole through {@link runSendPipeline}: the validate step takes each child's derived id
 * instead of a fresh one (the one change, in `prepareMessage`), and each child's unique key is
 * derived from the same id, so a retried parent's second send is answered `deduplicated` at the
 * reserve step; deliver and record stay as they are.
 *
 * With an OpenTelemetry tracer provider registered, the whole send is one span and every message
 * carries its context ({@link withSendSpan}).
 *
 * @throws what `send` and `sendBatch` document before anything is sent (a bad option or payload,
 *   missing config, a unique key function that throws); a queue that does not exist
 */
export async function runSendPipeline<J extends JobDefinition>(
  route: SendRoute | PublishRoute,
  request: SendRequest<J>,
): Promise<PipelineResult> {
  // A debounced job's delay is its debounce's: set before anything reads the options.
  const options = debouncedOptions(request.job, request.options, route.fifo);
  const delivery = checkSendOptions(options, route.fifo);
  // A span names its destination by the last segment of `queueUrl`: a topic's name, for a publish.
  const destination = "topicArn" in route ? topicNameOf(route.topicArn) : route.queueUrl;
  const span = { operation: "send", jobName: request.job.name, queueUrl: destination } as const;
  const carry = delivery.kind === "schedule" ? "envelope" : "attributes";
  return withSendSpan({ ...span, count: request.payloads.length, carry }, (trace) =>
    sendThrough(route, { ...request, options }, delivery, trace),
  );
}

async function sendThrough<J extends JobDefinition>(
  route: SendRoute | PublishRoute,
  request: SendRequest<J>,
  delivery: Delivery,
  trace: MessageTrace | undefined,
): Promise<PipelineResult> {
  const { job, payloads, options, single } = request;
  const topic = "topicArn" in route ? route : undefined;
  if (topic === undefined) (route as SendRoute).scheduler.check(delivery);
  else checkPublishable(job, delivery, options.callbackId);
  const concurrency = options.concurrency ?? 8;
  const maxRetries = options.maxRetries ?? 5;
  if (!single) checkBatchOptions(concurrency, maxRetries, options.callbackId);
  const messages = await prepareJobs(job, payloads, sqsOptions(options, delivery), {
    fifo: route.fifo,
    single,
    identities: request.identities,
    trace,
    ...(topic === undefined
      ? { maxMessageBytes: queueSizeLimit(route as SendRoute) }
      : {
          maxMessageBytes: topic.payloads?.sizeLimit(SNS_MAX_MESSAGE_BYTES) ?? SNS_MAX_MESSAGE_BYTES,
          topic: topicNameOf(topic.topicArn),
        }),
  });
  const batch = { concurrency, maxRetries };
  const { deliver, gate, ledger, sent } =
    topic === undefined
      ? await queueSteps(route as SendRoute, request, delivery, batch, messages)
      : await topicSteps(topic, request, batch, messages);
  const debounced = debounceKeys(job, sent);
  const progress = new ProgressReport(options.onProgress, sent.length);
  let items: Delivered[];
  try {
    items = await deliver(sent, gate, progress);
  } catch (error) {
    await gate.abandon(error);
    throw error;
  }
  // Outside the gate's try: the jobs are sent, whatever this write meets.
  await recordDebounced(ledger, job, debounced, items);
  return progress.finish({ items });
}

/**
 * The deliver step and the gate around it, the ledger they record in (none for a publish), and
 * the messages that go (offloaded to S3 past the queue's size, when the route has payloads).
 */
interface RouteSteps {
  readonly deliver: Deliver;
  readonly gate: SendGate;
  readonly ledger: Ledger | undefined;
  readonly sent: readonly PreparedMessage[];
}

/** The size the validate step measures a queue's jobs against: the offload threshold's, if any. */
function queueSizeLimit(route: SendRoute): number {
  return route.payloads?.sizeLimit(route.maxMessageBytes) ?? route.maxMessageBytes;
}

/** A batch call's settings. */
interface BatchSettings {
  readonly concurrency: number;
  readonly maxRetries: number;
}

/** The deliver and reserve/record steps to a queue, once every check without a network call passed. */
async function queueSteps<J extends JobDefinition>(
  route: SendRoute,
  request: SendRequest<J>,
  delivery: Delivery,
  batch: BatchSettings,
  messages: readonly PreparedMessage[],
): Promise<RouteSteps> {
  const sqs = await route.sqs();
  await checkSqsConfig(sqs.client);
  // Everything that can fail without a network call fails before a key is reserved.
  const deliver = await deliverStep(route, sqs, request, delivery, batch);
  const sent = await offloadStep(route, sqs.client, request.job, messages, batch.concurrency);
  const ledger = await route.ledgerFor(request.job);
  const gate =
    ledger === undefined
      ? OPEN_GATE
      : new LedgerGate(ledger, request.job, sent, reserveTarget(route, delivery));
  return { deliver, gate, ledger, sent };
}

/**
 * The deliver step to a topic. Nothing is recorded at the producer: which queues receive a copy
 * is the subscriptions' business, and each copy is its own job, recorded by its consumer under
 * its own id ({@link publishedCopyId}).
 */
async function topicSteps<J extends JobDefinition>(
  route: PublishRoute,
  { job, single }: SendRequest<J>,
  batch: BatchSettings,
  messages: readonly PreparedMessage[],
): Promise<RouteSteps> {
  const link = await route.sns();
  await checkSqsConfig(link.client);
  const deliver = deliverThrough(topicChannel(link, route.topicArn), job, {
    single,
    fifo: route.fifo,
    ...batch,
  });
  // Past SNS's 256 KiB, through S3 as for a queue: raw delivery hands each subscribed queue the
  // pointer and its attribute, and each consumer reads the one object.
  const sent =
    route.payloads === undefined
      ? messages
      : await route.payloads.offload(job, messages, {
          region: () => link.client.config.region(),
          maxMessageBytes: SNS_MAX_MESSAGE_BYTES,
          concurrency: batch.concurrency,
        });
  return { deliver, gate: OPEN_GATE, ledger: undefined, sent };
}

async function deliverStep<J extends JobDefinition>(
  route: SendRoute,
  sqs: SqsLink,
  { job, single }: SendRequest<J>,
  delivery: Delivery,
  batch: BatchSettings,
): Promise<Deliver> {
  if (delivery.kind === "schedule") {
    const one = scheduleLater(await route.scheduler.target(sqs.client, route.queueUrl), delivery.at, job);
    return (messages, gate, progress) =>
      deliverEach(messages, gate, { concurrency: batch.concurrency, progress }, one);
  }
  return deliverThrough(queueChannel(sqs, route.queueUrl), job, { single, fifo: route.fifo, ...batch });
}

/** Delivers at once to a queue or a topic: one call per job for `send`, batches otherwise. */
function deliverThrough(
  channel: DeliveryChannel,
  job: JobDefinition,
  {
    single,
    fifo,
    concurrency,
    maxRetries,
  }: BatchSettings & { readonly single: boolean; readonly fifo: boolean },
): Deliver {
  if (single) {
    const one = sendNow(channel, job);
    return (messages, gate, progress) => deliverEach(messages, gate, { concurrency: 1, progress }, one);
  }
  const settings = { channel, fifo, concurrency, maxRetries, retryBaseMs: 100 };
  return (messages, gate, progress) => sendPrepared(messages, settings, gate, progress);
}

/**
 * A publish goes at once (SNS has no delay), and holds no unique or debounce key and no durable
 * callback: nothing is kept at the producer, and each subscribed queue's copy is its own job.
 */
function checkPublishable(job: JobDefinition, delivery: Delivery, callbackId: string | undefined): void {
  if (delivery.kind !== "now" || delivery.delaySeconds !== undefined) {
    throw new InvalidOptionError(
      "publish takes no delaySeconds or at: SNS delivers at once; send the job to a queue for later instead",
    );
  }
  const key =
    job.unique !== undefined ? "a unique key" : job.debounce !== undefined ? "a debounce" : undefined;
  if (key !== undefined) {
    throw new ConfigError(
      `job "${job.name}" has ${key}, which publish cannot hold: each subscribed queue's copy is its own job; send it to its queue instead, or drop the key`,
    );
  }
  if (callbackId !== undefined) {
    throw new ConfigError(
      "callbackId is for send, not publish: a callback waits for one job, a publish makes one per queue",
    );
  }
}

/** Messages above their threshold go to S3 and travel as pointers (a network call per message). */
async function offloadStep(
  route: SendRoute,
  sqs: SQSClient,
  job: JobDefinition,
  messages: readonly PreparedMessage[],
  concurrency: number,
): Promise<readonly PreparedMessage[]> {
  if (route.payloads === undefined) return messages;
  const link = {
    region: () => sqs.config.region(),
    maxMessageBytes: route.maxMessageBytes,
    concurrency,
  };
  return route.payloads.offload(job, messages, link);
}

function checkBatchOptions(concurrency: number, maxRetries: number, callbackId: string | undefined): void {
  if (callbackId !== undefined) {
    // One callback completes once: the first of the batch's jobs to end would answer for all.
    throw new ConfigError("callbackId is for send, not sendBatch: a callback waits for one job");
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new ConfigError(
      `concurrency must be an integer between 1 and ${MAX_CONCURRENCY}, but ${concurrency} was provided`,
    );
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 20) {
    throw new ConfigError(`maxRetries must be an integer between 0 and 20, but ${maxRetries} was provided`);
  }
}

/** What decides the ledger keys of jobs sent with `delivery`. */
function reserveTarget(route: SendRoute, delivery: Delivery): ReserveTarget {
  return {
    queue: queueNameOf(route.queueUrl),
    runsAt: runsAt(delivery),
    // A schedule's SendMessage carries no deduplication id (the queue deduplicates on content).
    sqsDeduplicates: route.fifo && delivery.kind === "now",
  };
}

/** When a job is due, if later than now: the ledger keeps its entry and key until after then. */
function runsAt(delivery: Delivery): Date | undefined {
  if (delivery.kind === "schedule") return delivery.at;
  return delivery.delaySeconds === undefined
    ? undefined
    : new Date(Date.now() + delivery.delaySeconds * 1000);
}

/** What the validate step sees: SQS's delay when the job goes now, none when a schedule carries it. */
function sqsOptions(options: SendOptions, delivery: Delivery): SendOptions {
  const { at: _at, ...rest } = options;
  return { ...rest, delaySeconds: delivery.kind === "now" ? delivery.delaySeconds : undefined };
}
