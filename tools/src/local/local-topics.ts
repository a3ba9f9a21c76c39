import type { SNSClient } from "@aws-sdk/client-sns";
import type { AppModel } from "./app-model.ts";
import type { LocalQueue } from "./local-queues.ts";

export interface LocalTopic {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The name `JobTopic` was given, which its variables are named after (none for another topic). */
  readonly jobTopic?: string | undefined;
  /** The local bucket of its payloads past 256 KiB (`JobTopic({ payloads })`). */
  readonly payloadBucket?: string | undefined;
}

/**
 * Creates the app's topics and their subscriptions of the app's queues, with the template's raw
 * delivery and filter policies, so a local publish reaches exactly the queues it would on AWS
 * (fauxqs evaluates the filter policies).
 */
export async function createTopics(
  sns: SNSClient,
  model: Pick<AppModel, "topics" | "subscriptions">,
  queues: readonly LocalQueue[],
): Promise<LocalTopic[]> {
  const { CreateTopicCommand } = await import("@aws-sdk/client-sns");
  const topics: LocalTopic[] = [];
  for (const t of model.topics) {
    const out = await sns.send(new CreateTopicCommand({ Name: t.name, Attributes: t.attributes }));
    topics.push({
      logicalId: t.logicalId,
      name: t.name,
      arn: out.TopicArn ?? "",
      jobTopic: t.jobTopic,
      payloadBucket: t.payloadBucket,
    });
  }
  for (const s of model.subscriptions) {
    const topic = topics.find((t) => t.logicalId === s.topicLogicalId);
    const queue = queues.find((q) => q.logicalId === s.queueLogicalId);
    if (topic !== undefined && queue !== undefined) await subscribe(sns, topic.arn, queue.arn, s.attributes);
  }
  return topics;
}

/** With persistence the subscription may exist with an older filter: bring it up to date. */
async function subscribe(
  sns: SNSClient,
  topicArn: string,
  queueArn: string,
  attributes: Record<string, string>,
): Promise<void> {
  const { ListSubscriptionsByTopicCommand, SetSubscriptionAttributesCommand, SubscribeCommand } =
    await import("@aws-sdk/client-sns");
  try {
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: queueArn,
        Attributes: attributes,
      }),
    );
  } catch (error) {
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    const existing = listed.Subscriptions?.find((sub) => sub.Endpoint === queueArn)?.SubscriptionArn;
    if (existing === undefined) throw error;
    for (const [name, value] of Object.entries(attributes)) {
      await sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: existing,
          AttributeName: name,
          AttributeValue: value,
        }),
      );
    }
  }
}
