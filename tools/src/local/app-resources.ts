import type { SQSClient } from "@aws-sdk/client-sqs";
import { type AppModel, LOCAL_ACCOUNT } from "./app-model.ts";
import { registerSchedules } from "./app-schedules.ts";
import type { LocalEmulator } from "./emulator.ts";
import type { ResolveContext, ResolvedResource } from "./intrinsics.ts";
import { createQueues, type LocalQueue } from "./local-queues.ts";
import type { LocalTopic } from "./local-topics.ts";
import type { LocalScheduler } from "./scheduler.ts";
import type { LocalTable } from "./tables.ts";

/** The local endpoint as an SDK client reaches it. */
export interface LocalClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface AppResources {
  readonly queues: readonly LocalQueue[];
  readonly topics: readonly LocalTopic[];
  readonly tables: readonly LocalTable[];
  /** What `Ref` and `Fn::GetAtt` of each resource give locally, for environments and outputs. */
  readonly resolve: ResolveContext;
}

/**
 * Makes the app's queues (with their schedules), tables and buckets on the local endpoint, and
 * names each resource, functions included, for the intrinsics that refer to it.
 */
export async function createAppResources(
  model: AppModel,
  parts: {
    readonly sqs: SQSClient;
    readonly client: LocalClientConfig;
    readonly emulator: Pick<LocalEmulator, "createBucket">;
    readonly scheduler: LocalScheduler;
  },
): Promise<AppResources> {
  const { region } = parts.client;
  const resources = new Map<string, ResolvedResource>();
  const queues = await createQueues(parts.sqs, model.queues);
  for (const q of queues) {
    resources.set(q.logicalId, {
      ref: q.url,
      attributes: { Arn: q.arn, QueueName: q.name, QueueUrl: q.url },
    });
  }
  registerSchedules(parts.scheduler, model.schedules, queues);
  const topics = await createModelTopics(model, queues, parts.client);
  for (const topic of topics) {
    resources.set(topic.logicalId, {
      ref: topic.arn,
      attributes: { TopicArn: topic.arn, TopicName: topic.name },
    });
  }
  const tables = await createModelTables(model, parts.client);
  for (const table of tables) {
    resources.set(table.logicalId, { ref: table.name, attributes: { Arn: table.arn } });
  }
  for (const bucket of model.buckets) {
    parts.emulator.createBucket(bucket.name);
    resources.set(bucket.logicalId, {
      ref: bucket.name,
      attributes: {
        Arn: `arn:aws:s3:::${bucket.name}`,
        DomainName: `${bucket.name}.s3.amazonaws.com`,
        RegionalDomainName: `${bucket.name}.s3.${region}.amazonaws.com`,
      },
    });
  }
  for (const fn of model.functions) {
    const arn = `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${fn.name}`;
    resources.set(fn.logicalId, { ref: fn.name, attributes: { Arn: arn } });
  }
  return { queues, topics, tables, resolve: { resources, region, account: LOCAL_ACCOUNT } };
}

/**
 * The app's topics and subscriptions, made through the endpoint. The SNS client is loaded only for
 * an app that has topics.
 */
async function createModelTopics(
  model: AppModel,
  queues: readonly LocalQueue[],
  client: LocalClientConfig,
): Promise<LocalTopic[]> {
  if (model.topics.length === 0) return [];
  const [{ SNSClient }, { createTopics }] = await Promise.all([
    import("@aws-sdk/client-sns"),
    import("./local-topics.ts"),
  ]);
  const sns = new SNSClient(client);
  try {
    return await createTopics(sns, model, queues);
  } finally {
    sns.destroy();
  }
}

/**
 * The app's tables, made through the endpoint. The DynamoDB client is loaded only for an app that
 * has tables: queues declared in code without a ledger never need it.
 */
async function createModelTables(model: AppModel, client: LocalClientConfig): Promise<LocalTable[]> {
  if (model.tables.length === 0) return [];
  const [{ DynamoDBClient }, { createTables }] = await Promise.all([
    import("@aws-sdk/client-dynamodb"),
    import("./tables.ts"),
  ]);
  const dynamodb = new DynamoDBClient(client);
  try {
    return await createTables(dynamodb, model.tables, client.region);
  } finally {
    dynamodb.destroy();
  }
}
