import type { TemplateResource } from "./cloud-assembly.ts";

/** An SNS topic of the CDK app (`AWS::SNS::Topic`), as the local stack creates it. */
export interface TopicModel {
  readonly logicalId: string;
  readonly name: string;
  /** CreateTopic's attributes: `FifoTopic`, `ContentBasedDeduplication`. */
  readonly attributes: Record<string, string>;
  /** The name `JobTopic` was given (`events`), which its variables are named after; none for another topic. */
  readonly jobTopic?: string | undefined;
  /**
   * The bucket `JobTopic({ payloads })` records: a logical id of the stack's (resolved to its
   * local name once every bucket is known) or a bucket's name.
   */
  readonly payloadBucket?: string | undefined;
}

/** A topic's subscription of one of the app's queues (`AWS::SNS::Subscription`, protocol `sqs`). */
export interface SubscriptionModel {
  readonly logicalId: string;
  readonly topicLogicalId: string;
  readonly queueLogicalId: string;
  /** Subscribe's attributes: `RawMessageDelivery`, `FilterPolicy` (JSON), `FilterPolicyScope`. */
  readonly attributes: Record<string, string>;
}

type Props = Record<string, unknown>;

const isObject = (value: unknown): value is Props =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A topic's local name: its TopicName if the template fixes one; else the logical name `JobTopic`
 * records in its metadata (`events`), so the local ARN reads like the app's words; else `fallback`.
 */
export function topicModel(
  logicalId: string,
  props: Props,
  metadata: Props | undefined,
  fallback: string,
): TopicModel {
  const fifo = props.FifoTopic === true || props.FifoTopic === "true";
  const ours = metadata?.["sqs-jobs"];
  const named = isObject(ours) && typeof ours.topic === "string" ? ours.topic : undefined;
  const base = typeof props.TopicName === "string" ? props.TopicName : (named ?? fallback);
  const name = fifo && !base.endsWith(".fifo") ? `${base}.fifo` : base;
  const attributes: Record<string, string> = {};
  if (fifo) attributes.FifoTopic = "true";
  if (props.ContentBasedDeduplication === true) attributes.ContentBasedDeduplication = "true";
  const payloadBucket = isObject(ours) ? bucketReference(ours.payloadBucket) : undefined;
  return { logicalId, name, attributes, jobTopic: named, payloadBucket };
}

/**
 * Reads an SQS subscription of one of the app's topics to one of its queues; undefined for any
 * other (another protocol, a topic or queue from outside the app), which the local stack skips.
 */
export function subscriptionModel(
  logicalId: string,
  props: Props,
  resources: Readonly<Record<string, TemplateResource>>,
): SubscriptionModel | undefined {
  const topic = props.TopicArn;
  const endpoint = props.Endpoint;
  if (props.Protocol !== "sqs" || !isObject(topic) || typeof topic.Ref !== "string") return undefined;
  if (!isObject(endpoint) || !Array.isArray(endpoint["Fn::GetAtt"])) return undefined;
  const queueLogicalId = String(endpoint["Fn::GetAtt"][0]);
  if (resources[topic.Ref]?.Type !== "AWS::SNS::Topic") return undefined;
  if (resources[queueLogicalId]?.Type !== "AWS::SQS::Queue") return undefined;
  const attributes: Record<string, string> = {};
  if (props.RawMessageDelivery === true || props.RawMessageDelivery === "true") {
    attributes.RawMessageDelivery = "true";
  }
  if (props.FilterPolicy !== undefined) {
    attributes.FilterPolicy =
      typeof props.FilterPolicy === "string" ? props.FilterPolicy : JSON.stringify(props.FilterPolicy);
  }
  if (typeof props.FilterPolicyScope === "string") attributes.FilterPolicyScope = props.FilterPolicyScope;
  return { logicalId, topicLogicalId: topic.Ref, queueLogicalId, attributes };
}

/** A `Ref` to one of the stack's buckets (its logical id), or a literal bucket name. */
export function bucketReference(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  return isObject(value) && typeof value.Ref === "string" ? value.Ref : undefined;
}
