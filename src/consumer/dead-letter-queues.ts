import { deadLetterTargetArn, queueUrlFromArn } from "../core/queue-url.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";

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
    const target = deadLetterTargetArn(out.Attributes?.RedrivePolicy);
    return target === undefined ? undefined : queueUrlFromArn(target);
  }
}
