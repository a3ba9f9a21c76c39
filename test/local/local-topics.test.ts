import { randomUUID } from "node:crypto";
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from "@aws-sdk/client-sns";
import { describe, expect, inject, it } from "vitest";
import { createTopics } from "../../tools/src/local/local-topics.ts";
import { createTestQueue, queueArn, testSqs } from "../helpers/sqs.ts";

const sqs = testSqs();
const sns = new SNSClient({ endpoint: inject("sqsEndpoint"), region: process.env.AWS_REGION ?? "us-east-1" });

describe("createTopics", () => {
  it("brings a kept subscription's filter up to date when the app changed it (dev --persist)", async () => {
    // Given a topic and a subscription made from one version of the app
    const url = await createTestQueue(sqs, "sub");
    const queues = [{ logicalId: "Q", name: "sub", url, arn: await queueArn(sqs, url), jobs: [] }];
    const name = `events-${randomUUID().slice(0, 8)}`;
    const model = (filter: object) => ({
      topics: [{ logicalId: "T", name, attributes: {} }],
      subscriptions: [
        {
          logicalId: "S",
          topicLogicalId: "T",
          queueLogicalId: "Q",
          attributes: { RawMessageDelivery: "true", FilterPolicy: JSON.stringify(filter) },
        },
      ],
    });
    await createTopics(sns, model({ region: ["eu"] }), queues);
    // When the next version filters on another value
    const [topic] = await createTopics(sns, model({ region: ["us"] }), queues);
    // Then the one subscription there is carries the new filter
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic?.arn }));
    expect(listed.Subscriptions).toHaveLength(1);
    const attributes = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: listed.Subscriptions?.[0]?.SubscriptionArn }),
    );
    expect(JSON.parse(attributes.Attributes?.FilterPolicy ?? "{}")).toEqual({ region: ["us"] });
    expect(attributes.Attributes?.RawMessageDelivery).toBe("true");
  });
});
