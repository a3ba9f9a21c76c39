import { join } from "node:path";
import type { StackTemplate, TemplateResource } from "./cloud-assembly.ts";
import { type ScheduleModel, scheduleModel } from "./schedule-model.ts";
import { type TableModel, tableModel } from "./table-model.ts";
import {
  bucketReference,
  type SubscriptionModel,
  subscriptionModel,
  type TopicModel,
  topicModel,
} from "./topic-model.ts";

export const LOCAL_ACCOUNT = "000000000000";

export interface QueueModel {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly fifo: boolean;
  /** Queue attributes for CreateQueue, RedrivePolicy resolved to the local DLQ's ARN. */
  readonly attributes: Record<string, string>;
  readonly dlqLogicalId: string | undefined;
  /** The names of the jobs it carries, as `JobQueue` records them in its metadata. */
  readonly jobs: readonly string[];
  /** The local name of the bucket its large payloads go through (`JobQueue({ payloads })`). */
  readonly payloadBucket?: string | undefined;
}

export interface FunctionModel {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  /** Directory of the bundled code, `undefined` when the template holds no local asset. */
  readonly codeDir: string | undefined;
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly environment: Record<string, unknown>;
}

export interface EventSourceModel {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  readonly queueLogicalId: string;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly maximumConcurrency: number | undefined;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
}

export interface AppModel {
  readonly queues: readonly QueueModel[];
  readonly functions: readonly FunctionModel[];
  readonly eventSources: readonly EventSourceModel[];
  readonly buckets: readonly { readonly logicalId: string; readonly name: string }[];
  readonly tables: readonly TableModel[];
  readonly schedules: readonly ScheduleModel[];
  readonly topics: readonly TopicModel[];
  readonly subscriptions: readonly SubscriptionModel[];
  readonly outputs: readonly {
    readonly stackName: string;
    readonly key: string;
    readonly value: unknown;
    readonly description?: string;
  }[];
}

/** Queue attributes CreateQueue understands; the rest (encryption, policies) means nothing locally. */
const QUEUE_ATTRIBUTES = [
  "VisibilityTimeout",
  "MessageRetentionPeriod",
  "DelaySeconds",
  "MaximumMessageSize",
  "ReceiveMessageWaitTimeSeconds",
  "FifoQueue",
  "ContentBasedDeduplication",
  "DeduplicationScope",
  "FifoThroughputLimit",
] as const;

type Intrinsic = Record<string, unknown>;

function isObject(value: unknown): value is Intrinsic {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** CloudFormation's generated names look like `Stack-LogicalId-RANDOM`; locally the random part is dropped. */
function physicalName(stackName: string, logicalId: string, max: number, suffix = ""): string {
  const base = `${stackName}-${logicalId}`.replace(/[^A-Za-z0-9_-]/g, "-");
  return base.slice(0, max - suffix.length) + suffix;
}

/** Reads the queues, functions, event source mappings, buckets and DynamoDB tables of every stack. */
export function buildAppModel(stacks: readonly StackTemplate[], assemblyDir: string): AppModel {
  const queues: QueueModel[] = [];
  const functions: FunctionModel[] = [];
  const eventSources: EventSourceModel[] = [];
  const buckets: { logicalId: string; name: string }[] = [];
  const tables: TableModel[] = [];
  const schedules: ScheduleModel[] = [];
  const topics: TopicModel[] = [];
  const subscriptions: SubscriptionModel[] = [];
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.resources)) {
      const props = resource.Properties ?? {};
      switch (resource.Type) {
        case "AWS::SQS::Queue": {
          const queue = queueModel(stack.stackName, logicalId, props, resource.Metadata);
          // Two stacks may name a queue alike; the generated name keeps them apart.
          queues.push(
            queues.some((q) => q.name === queue.name)
              ? { ...queue, name: physicalName(stack.stackName, logicalId, 80, queue.fifo ? ".fifo" : "") }
              : queue,
          );
          break;
        }
        case "AWS::Lambda::Function":
          functions.push(functionModel(stack.stackName, logicalId, resource, assemblyDir));
          break;
        case "AWS::Lambda::EventSourceMapping": {
          const model = eventSourceModel(logicalId, props, stack.resources);
          if (model !== undefined) eventSources.push(model);
          break;
        }
        case "AWS::S3::Bucket":
          buckets.push({
            logicalId,
            name:
              typeof props.BucketName === "string"
                ? props.BucketName
                : physicalName(stack.stackName, logicalId, 63).toLowerCase().replace(/_/g, "-"),
          });
          break;
        case "AWS::DynamoDB::Table":
          tables.push(
            tableModel(
              stack.stackName,
              logicalId,
              typeof props.TableName === "string"
                ? props.TableName
                : physicalName(stack.stackName, logicalId, 255),
              props,
            ),
          );
          break;
        case "AWS::SNS::Topic":
          topics.push(
            topicModel(logicalId, props, resource.Metadata, physicalName(stack.stackName, logicalId, 251)),
          );
          break;
        case "AWS::SNS::Subscription": {
          const subscription = subscriptionModel(logicalId, props, stack.resources);
          if (subscription !== undefined) subscriptions.push(subscription);
          break;
        }
        case "AWS::Scheduler::Schedule": {
          const schedule = scheduleModel(stack.stackName, logicalId, props, stack.resources);
          if (schedule !== undefined) schedules.push(schedule);
          break;
        }
      }
    }
  }
  const outputs = stacks.flatMap((stack) =>
    Object.entries(stack.outputs).map(([key, output]) => ({
      stackName: stack.stackName,
      key,
      value: output.Value,
      ...(output.Description === undefined ? {} : { description: output.Description }),
    })),
  );
  return {
    queues: queues.map((q) => withPayloadBucket(q, buckets)),
    functions,
    eventSources,
    buckets,
    tables,
    schedules,
    topics: topics.map((t) => withPayloadBucket(t, buckets)),
    subscriptions,
    outputs,
  };
}

/**
 * The payload bucket `JobQueue` records in its metadata is a `Ref` to a bucket of the stack (or a
 * name, for a bucket it was given): locally, that bucket's local name.
 */
function withPayloadBucket<T extends { readonly payloadBucket?: string | undefined }>(
  owner: T,
  buckets: readonly { readonly logicalId: string; readonly name: string }[],
): T {
  const ref = owner.payloadBucket;
  if (ref === undefined) return owner;
  return { ...owner, payloadBucket: buckets.find((b) => b.logicalId === ref)?.name ?? ref };
}

/**
 * A queue's local name: its QueueName if the template fixes one; else the logical name the
 * `JobQueue` construct records in its metadata (`reports`, `reports-dlq`), so local commands can
 * say `sqs-jobs send reports ...`; else a name like CloudFormation's.
 */
function localQueueName(
  stackName: string,
  logicalId: string,
  props: Record<string, unknown>,
  metadata: Record<string, unknown> | undefined,
  fifo: boolean,
): string {
  const suffix = fifo ? ".fifo" : "";
  if (typeof props.QueueName === "string") return props.QueueName;
  const ours = metadata?.["sqs-jobs"];
  if (isObject(ours) && typeof ours.queue === "string" && /^[A-Za-z0-9_-]{1,70}$/.test(ours.queue)) {
    return `${ours.queue}${ours.role === "dlq" ? "-dlq" : ""}${suffix}`;
  }
  return physicalName(stackName, logicalId, 80, suffix);
}

function queueModel(
  stackName: string,
  logicalId: string,
  props: Record<string, unknown>,
  metadata: Record<string, unknown> | undefined,
): QueueModel {
  const fifo = props.FifoQueue === true || props.FifoQueue === "true";
  const name = localQueueName(stackName, logicalId, props, metadata, fifo);
  const attributes: Record<string, string> = {};
  for (const key of QUEUE_ATTRIBUTES) {
    const value = props[key];
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      attributes[key] = String(value);
    }
  }
  let dlqLogicalId: string | undefined;
  const redrive = props.RedrivePolicy;
  if (isObject(redrive)) {
    const target = redrive.deadLetterTargetArn;
    if (isObject(target) && Array.isArray(target["Fn::GetAtt"]))
      dlqLogicalId = String(target["Fn::GetAtt"][0]);
    // The ARN is filled in once every queue's local name is known.
    attributes.RedrivePolicy = JSON.stringify({ maxReceiveCount: Number(redrive.maxReceiveCount ?? 10) });
  }
  const ours = metadata?.["sqs-jobs"];
  const jobs =
    isObject(ours) && Array.isArray(ours.jobs) ? ours.jobs.filter((j) => typeof j === "string") : [];
  // A logical id (resolved once every bucket is known) or a literal bucket name.
  const payloadBucket = isObject(ours) ? bucketReference(ours.payloadBucket) : undefined;
  return { stackName, logicalId, name, fifo, attributes, dlqLogicalId, jobs, payloadBucket };
}

function functionModel(
  stackName: string,
  logicalId: string,
  resource: TemplateResource,
  assemblyDir: string,
): FunctionModel {
  const props = resource.Properties ?? {};
  const assetPath = resource.Metadata?.["aws:asset:path"];
  const env = props.Environment;
  return {
    stackName,
    logicalId,
    name:
      typeof props.FunctionName === "string" ? props.FunctionName : physicalName(stackName, logicalId, 64),
    codeDir: typeof assetPath === "string" ? join(assemblyDir, assetPath) : undefined,
    handler: typeof props.Handler === "string" ? props.Handler : "index.handler",
    timeoutSeconds: typeof props.Timeout === "number" ? props.Timeout : 3,
    environment: isObject(env) && isObject(env.Variables) ? env.Variables : {},
  };
}

function eventSourceModel(
  logicalId: string,
  props: Record<string, unknown>,
  resources: Readonly<Record<string, TemplateResource>>,
): EventSourceModel | undefined {
  const source = props.EventSourceArn;
  const fn = props.FunctionName;
  if (
    !isObject(source) ||
    !Array.isArray(source["Fn::GetAtt"]) ||
    !isObject(fn) ||
    typeof fn.Ref !== "string"
  ) {
    return undefined;
  }
  const queueLogicalId = String(source["Fn::GetAtt"][0]);
  if (resources[queueLogicalId]?.Type !== "AWS::SQS::Queue") return undefined;
  const scaling = props.ScalingConfig;
  const types = props.FunctionResponseTypes;
  return {
    logicalId,
    functionLogicalId: fn.Ref,
    queueLogicalId,
    batchSize: typeof props.BatchSize === "number" ? props.BatchSize : 10,
    batchingWindowSeconds:
      typeof props.MaximumBatchingWindowInSeconds === "number" ? props.MaximumBatchingWindowInSeconds : 0,
    maximumConcurrency:
      isObject(scaling) && typeof scaling.MaximumConcurrency === "number"
        ? scaling.MaximumConcurrency
        : undefined,
    reportBatchItemFailures: Array.isArray(types) && types.includes("ReportBatchItemFailures"),
    enabled: props.Enabled !== false,
  };
}
