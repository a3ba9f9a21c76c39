import type { LambdaClient } from "@aws-sdk/client-lambda";
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { describeAwsError } from "../core/aws-errors.ts";
import { QueueNotFoundError } from "../core/errors.ts";
import { mapLimit } from "../core/map-limit.ts";
import { listMappings, type MappingInfo } from "./event-source.ts";
import { listQueueUrls, type QueueRef, resolveQueue } from "./queue-ref.ts";

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export interface QueueStats extends QueueDepth {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  /**
   * Seconds the oldest message has waited, when the endpoint reports it as a queue attribute.
   * AWS publishes it only as the CloudWatch metric `ApproximateAgeOfOldestMessage`, so on AWS it
   * is `undefined`.
   */
  readonly oldestAgeSeconds: number | undefined;
  /** The dead-letter queue from the RedrivePolicy, with its depth; `undefined` when none. */
  readonly dlq: ({ readonly name: string; readonly url: string } & QueueDepth) | undefined;
  /** Why the DLQ could not be read, when the RedrivePolicy names one that fails. */
  readonly dlqError: string | undefined;
  /** The event source mappings reading the queue; `undefined` when the Lambda API did not answer. */
  readonly mappings: readonly MappingInfo[] | undefined;
  /** Why `mappings` is unknown. */
  readonly mappingsError: string | undefined;
}

function count(value: string | undefined): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export function depthOf(ref: QueueRef): QueueDepth {
  return {
    visible: count(ref.attributes.ApproximateNumberOfMessages),
    inFlight: count(ref.attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: count(ref.attributes.ApproximateNumberOfMessagesDelayed),
  };
}

/** The three message counts of a queue by URL: one GetQueueAttributes call. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: count(a.ApproximateNumberOfMessages),
    inFlight: count(a.ApproximateNumberOfMessagesNotVisible),
    delayed: count(a.ApproximateNumberOfMessagesDelayed),
  };
}

export interface StatsOptions {
  /** Reads event source mappings; without it `mappings` is `undefined`. */
  readonly lambda?: LambdaClient;
  /** How long to wait for the Lambda API per queue before showing the state as unknown. @default 5,000 */
  readonly lambdaTimeoutMs?: number;
  /** Queues already read, by ARN (a listing): a DLQ among them is not read again. */
  readonly knownQueues?: ReadonlyMap<string, QueueRef>;
}

/**
 * Depths, DLQ depth and consumer state of one queue. Only the queue itself must exist: a DLQ or
 * a Lambda API that fails leaves its fields unknown, with the reason alongside.
 *
 * @example
 * const stats = await queueStats(sqs, await resolveQueue(sqs, "reports"), { lambda });
 */
export async function queueStats(
  sqs: SQSClient,
  ref: QueueRef,
  options: StatsOptions = {},
): Promise<QueueStats> {
  const [dlq, mappings] = await Promise.all([
    dlqDepth(sqs, ref, options.knownQueues),
    mappingsOf(ref.arn, options),
  ]);
  const age = ref.attributes.ApproximateAgeOfOldestMessage;
  return {
    name: ref.name,
    url: ref.url,
    arn: ref.arn,
    fifo: ref.fifo,
    ...depthOf(ref),
    oldestAgeSeconds: age === undefined ? undefined : count(age),
    dlq: dlq.value,
    dlqError: dlq.error,
    mappings: mappings.value,
    mappingsError: mappings.error,
  };
}

type Outcome<T> = { value: T | undefined; error: string | undefined };

async function dlqDepth(
  sqs: SQSClient,
  ref: QueueRef,
  known: ReadonlyMap<string, QueueRef> | undefined,
): Promise<Outcome<QueueStats["dlq"]>> {
  if (ref.dlqArn === undefined) return { value: undefined, error: undefined };
  try {
    const dlq = known?.get(ref.dlqArn) ?? (await resolveQueue(sqs, ref.dlqArn));
    return { value: { name: dlq.name, url: dlq.url, ...depthOf(dlq) }, error: undefined };
  } catch (error) {
    return { value: undefined, error: describeAwsError(error) };
  }
}

/**
 * The consumers of a queue (by ARN) as {@link QueueStats} shows them: the mappings, or why they
 * are unknown (no Lambda client, an error, no answer within `lambdaTimeoutMs`).
 */
async function mappingsOf(queueArn: string, options: StatsOptions): Promise<Outcome<MappingInfo[]>> {
  if (options.lambda === undefined) return { value: undefined, error: "no Lambda client" };
  try {
    const signal = AbortSignal.timeout(options.lambdaTimeoutMs ?? 5_000);
    return { value: await listMappings(options.lambda, queueArn, { signal }), error: undefined };
  } catch (error) {
    return { value: undefined, error: describeAwsError(error) };
  }
}

/**
 * The queues `sqs-jobs status` shows without arguments: every listed queue except those that
 * only serve as another listed queue's DLQ (their depth shows in that queue's row).
 */
export async function listStatusQueues(sqs: SQSClient, prefix?: string): Promise<QueueRef[]> {
  return withoutDeadLetterQueues(await listQueueRefs(sqs, prefix));
}

/**
 * Every listed queue (or those starting with `prefix`) with its attributes, depths included: one
 * ListQueues and one GetQueueAttributes per queue, 8 at a time.
 */
export async function listQueueRefs(sqs: SQSClient, prefix?: string): Promise<QueueRef[]> {
  const urls = await listQueueUrls(sqs, prefix);
  // A queue deleted between the listing and the read is simply gone from the table.
  const found = await mapLimit(urls, 8, (url) =>
    resolveQueue(sqs, url).catch((error: unknown) => {
      if (error instanceof QueueNotFoundError) return undefined;
      throw error;
    }),
  );
  return found.filter((r) => r !== undefined);
}

/** The queues that do not only serve as another of `refs`' DLQ, sorted by name. */
export function withoutDeadLetterQueues(refs: readonly QueueRef[]): QueueRef[] {
  const dlqArns = new Set(refs.map((r) => r.dlqArn).filter((a) => a !== undefined));
  return refs.filter((r) => !dlqArns.has(r.arn)).sort((a, b) => a.name.localeCompare(b.name));
}
