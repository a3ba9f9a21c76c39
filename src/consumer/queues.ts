import { ConfigError } from "../core/errors.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";

/**
 * The URL of the queue an ARN names (`arn:aws:sqs:REGION:ACCOUNT:NAME`), by SQS's URL pattern.
 * Clients that sqs-jobs creates with an endpoint set do not send to the URL's host, so the
 * pattern also works against LocalStack and `sqs-jobs dev`.
 */
export function queueUrlFromArn(arn: string): string {
  const parts = arn.split(":");
  const [prefix, partition, service, region, account, name] = parts;
  if (parts.length !== 6 || prefix !== "arn" || service !== "sqs" || !region || !account || !name) {
    throw new ConfigError(
      `"${arn.slice(0, 200)}" is not an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME); pass queueUrl explicitly`,
    );
  }
  const domain = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

export function queueName(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

export function isFifoQueue(urlOrArn: string): boolean {
  return urlOrArn.endsWith(".fifo");
}

/**
 * Finds a queue's DLQ from its RedrivePolicy, once per queue: the answer is cached, a failed
 * lookup is not (the next dead-letter tries again).
 */
export class DeadLetterQueues {
  readonly #sqs: SqsConnect;
  readonly #cache = new Map<string, Promise<string | undefined>>();

  constructor(sqs: SqsConnect) {
    this.#sqs = sqs;
  }

  resolve(queueUrl: string): Promise<string | undefined> {
    let found = this.#cache.get(queueUrl);
    if (found === undefined) {
      found = this.#lookup(queueUrl);
      this.#cache.set(queueUrl, found);
      found.catch(() => this.#cache.delete(queueUrl));
    }
    return found;
  }

  async #lookup(queueUrl: string): Promise<string | undefined> {
    const { client, sdk } = await this.#sqs();
    const out = await client.send(
      new sdk.GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["RedrivePolicy"] }),
    );
    const policy = out.Attributes?.RedrivePolicy;
    if (policy === undefined || policy === "") return undefined;
    const target: unknown = (JSON.parse(policy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    return typeof target === "string" ? queueUrlFromArn(target) : undefined;
  }
}
