import { isTopicMissing } from "../core/aws-errors.ts";
import { TopicNotFoundError } from "../core/errors.ts";
import type { SnsLink } from "../core/sns-client.ts";
import { SNS_MAX_MESSAGE_BYTES } from "../core/sns-limits.ts";
import { watchAttempts } from "./attempt-watch.ts";
import type { DeliveryChannel } from "./delivery-channel.ts";

/**
 * An SNS topic: Publish and PublishBatch (at most 10 entries and 256 KiB a request). The body and
 * attributes are the ones a send would give the queue; with raw message delivery each subscribed
 * queue receives them as they are.
 */
export function topicChannel({ client, sdk }: SnsLink, topicArn: string): DeliveryChannel {
  return {
    target: topicArn,
    service: "SNS",
    maxRequestBytes: SNS_MAX_MESSAGE_BYTES,
    async sendOne(m, attempts, signal) {
      const command = new sdk.PublishCommand({
        TopicArn: topicArn,
        Message: m.body,
        MessageAttributes: m.attributes,
        MessageGroupId: m.groupId,
        MessageDeduplicationId: m.dedupId,
      });
      watchAttempts(command, attempts);
      return (await client.send(command, { abortSignal: signal })).MessageId ?? "";
    },
    async sendBatch(entries, attempts) {
      const command = new sdk.PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: entries.map(({ message: m }, id) => ({
          Id: String(id),
          Message: m.body,
          MessageAttributes: m.attributes,
          MessageGroupId: m.groupId,
          MessageDeduplicationId: m.dedupId,
        })),
      });
      watchAttempts(command, attempts);
      return client.send(command);
    },
    missing: (error) =>
      isTopicMissing(error) ? new TopicNotFoundError(topicArn, { cause: error }) : undefined,
  };
}
