import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { isQueueMissing, toOpsError } from "../core/aws-errors.ts";
import {
  deadLetterTargetArn,
  isFifoQueue,
  isQueueUrl,
  parseQueueArn,
  queueNameOf,
} from "../core/queue-url.ts";
import { noDeadLetterQueueError } from "./errors.ts";

/** A queue the operations act on, with the attributes they need. */
export interface QueueRef {
  readonly url: string;
  readonly name: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly attributes: Readonly<Record<string, string>>;
  /** The ARN of its dead-letter queue, from the RedrivePolicy, if it has one. */
  readonly dlqArn: string | undefined;
}

/**
 * Finds a queue by name, URL or ARN and reads its attributes.
 *
 * @throws {QueueNotFoundError} no such queue for these credentials, region and endpoint
 * @example
 * const ref = await resolveQueue(sqs, "reports"); // or a URL, or an ARN
 */
export async function resolveQueue(sqs: SQSClient, nameUrlOrArn: string): Promise<QueueRef> {
  const url = await queueUrlOf(sqs, nameUrlOrArn);
  try {
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }));
    return toRef(url, out.Attributes ?? {});
  } catch (error) {
    throw toOpsError(error, { what: `reading the attributes of ${url}`, queue: nameUrlOrArn });
  }
}

async function queueUrlOf(sqs: SQSClient, nameUrlOrArn: string): Promise<string> {
  if (isQueueUrl(nameUrlOrArn)) return nameUrlOrArn;
  const arn = parseQueueArn(nameUrlOrArn);
  const name = arn?.name ?? nameUrlOrArn;
  const owner = arn === undefined || arn.account === "" ? undefined : arn.account;
  try {
    return await lookUpUrl(sqs, name, owner);
  } catch (error) {
    // SQS requires FIFO queue names to end in ".fifo"; people name a queue by what it carries
    // ("email"), so a bare name that does not exist is tried once more with the suffix.
    if (arn === undefined && !isFifoQueue(name) && isQueueMissing(error)) {
      const fifo = await lookUpUrl(sqs, `${name}.fifo`, owner).catch(() => undefined);
      if (fifo !== undefined) return fifo;
    }
    throw toOpsError(error, { what: `looking up queue "${name}"`, queue: nameUrlOrArn });
  }
}

async function lookUpUrl(sqs: SQSClient, name: string, owner: string | undefined): Promise<string> {
  const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: owner }));
  if (out.QueueUrl === undefined) throw new Error("GetQueueUrl returned no URL");
  return out.QueueUrl;
}

function toRef(url: string, attributes: Record<string, string>): QueueRef {
  return {
    url,
    name: queueNameOf(url),
    arn: attributes.QueueArn ?? "",
    fifo: attributes.FifoQueue === "true" || isFifoQueue(url),
    attributes,
    dlqArn: deadLetterTargetArn(attributes.RedrivePolicy),
  };
}

/** Every queue URL the endpoint lists, following pagination. */
export async function listQueueUrls(sqs: SQSClient, prefix?: string): Promise<string[]> {
  const urls: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const out = await sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: prefix, NextToken: nextToken, MaxResults: 1000 }),
      );
      urls.push(...(out.QueueUrls ?? []));
      nextToken = out.NextToken;
    } while (nextToken !== undefined && nextToken !== "");
  } catch (error) {
    throw toOpsError(error, { what: "listing queues" });
  }
  return urls;
}

/** A dead-letter queue and the queues that dead-letter into it. */
export interface DeadLetterPair {
  readonly dlq: QueueRef;
  /** The queue(s) whose RedrivePolicy targets `dlq`; the one named when the user named a source. */
  readonly sources: readonly QueueRef[];
}

/**
 * Resolves a queue argument of the `dlq` commands: a source queue (its DLQ comes from its
 * RedrivePolicy) or a DLQ itself (recognised because some queue dead-letters into it).
 *
 * @throws {SqsJobsError} `ERR_NO_DLQ`: the queue has no RedrivePolicy and no queue targets it
 */
export async function resolveDeadLetterPair(sqs: SQSClient, nameUrlOrArn: string): Promise<DeadLetterPair> {
  const named = await resolveQueue(sqs, nameUrlOrArn);
  if (named.dlqArn !== undefined) {
    return { dlq: await resolveQueue(sqs, named.dlqArn), sources: [named] };
  }
  const sources = await sourcesOf(sqs, named);
  if (sources.length === 0) {
    throw noDeadLetterQueueError(named.name, "it has no RedrivePolicy and no queue dead-letters into it");
  }
  return { dlq: named, sources };
}

async function sourcesOf(sqs: SQSClient, dlq: QueueRef): Promise<QueueRef[]> {
  let urls: string[];
  try {
    const out = await sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.url, MaxResults: 1000 }),
    );
    urls = out.queueUrls ?? [];
  } catch {
    // Emulators without ListDeadLetterSourceQueues (fauxqs 2.4): scan the queues' RedrivePolicies.
    const refs = await Promise.all(
      (await listQueueUrls(sqs)).map((url) => resolveQueue(sqs, url).catch(() => undefined)),
    );
    return refs.filter((r): r is QueueRef => r !== undefined && r.dlqArn === dlq.arn);
  }
  return Promise.all(urls.map((url) => resolveQueue(sqs, url)));
}
