import { classifyFailure } from "../core/aws-errors.ts";
import { deadLetterTargetArn, queueUrlFromArn } from "../core/queue-url.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import { SQS_MAX_MESSAGE_BYTES } from "../core/sqs-limits.ts";

/**
 * Finds a queue's DLQ from its RedrivePolicy, and a DLQ's maximum message size, once per queue:
 * answers are cached, a failed lookup is not (the next dead-letter tries again), but for a size
 * the consumer may not read.
 */
export class DeadLetterQueues {
  readonly #sqs: SqsConnect;
  readonly #cache = new Map<string, Promise<string | undefined>>();
  readonly #sizes = new Map<string, Promise<number>>();

  constructor(sqs: SqsConnect) {
    this.#sqs = sqs;
  }

  resolve(queueUrl: string): Promise<string | undefined> {
    return cached(this.#cache, queueUrl, () => this.#lookup(queueUrl));
  }

  /**
   * The DLQ's `MaximumMessageSize`, to fit a dead-letter copy into. SQS's own maximum when it
   * cannot be read (a consumer without sqs:GetQueueAttributes on its DLQ): a copy too large for a
   * smaller DLQ is then refused by SQS, and the job stays on its queue as after any failed send.
   * A refusal is kept (asking again before every dead-letter would only be refused again); a
   * throttled or unanswered read is asked again next time.
   */
  async maxMessageBytes(dlqUrl: string): Promise<number> {
    try {
      return await cached(this.#sizes, dlqUrl, () => this.#readSize(dlqUrl));
    } catch (error) {
      if (classifyFailure(error) === "final") this.#sizes.set(dlqUrl, Promise.resolve(SQS_MAX_MESSAGE_BYTES));
      return SQS_MAX_MESSAGE_BYTES;
    }
  }

  async #lookup(queueUrl: string): Promise<string | undefined> {
    const { client, sdk } = await this.#sqs();
    const out = await client.send(
      new sdk.GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["RedrivePolicy"] }),
    );
    const target = deadLetterTargetArn(out.Attributes?.RedrivePolicy);
    return target === undefined ? undefined : queueUrlFromArn(target);
  }

  async #readSize(dlqUrl: string): Promise<number> {
    const { client, sdk } = await this.#sqs();
    const out = await client.send(
      new sdk.GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["MaximumMessageSize"] }),
    );
    const size = Number(out.Attributes?.MaximumMessageSize);
    return Number.isSafeInteger(size) && size > 0 ? size : SQS_MAX_MESSAGE_BYTES;
  }
}

/** The cached answer for `key`, or a new lookup; a lookup that fails leaves the cache. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, lookup: () => Promise<T>): Promise<T> {
  let found = cache.get(key);
  if (found === undefined) {
    found = lookup();
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  return found;
}
