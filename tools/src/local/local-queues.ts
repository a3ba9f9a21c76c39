import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { QueueModel } from "./app-model.ts";

export interface LocalQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl?: string;
  /** The jobs it carries, when `JobQueue` made it. */
  readonly jobs: readonly string[];
  /** The bucket its large payloads go through, when `JobQueue({ payloads })` made it. */
  readonly payloadBucket?: string | undefined;
}

/** Creates dead-letter queues first so each source queue's redrive policy can name its DLQ's ARN. */
export async function createQueues(sqs: SQSClient, models: readonly QueueModel[]): Promise<LocalQueue[]> {
  const created: LocalQueue[] = [];
  const ordered = [...models].sort(
    (a, b) => Number(a.dlqLogicalId !== undefined) - Number(b.dlqLogicalId !== undefined),
  );
  for (const q of ordered) {
    const attributes = { ...q.attributes };
    const dlq =
      q.dlqLogicalId === undefined ? undefined : created.find((c) => c.logicalId === q.dlqLogicalId);
    if (attributes.RedrivePolicy !== undefined && dlq !== undefined) {
      const policy = JSON.parse(attributes.RedrivePolicy) as { maxReceiveCount: number };
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: policy.maxReceiveCount,
      });
    } else {
      delete attributes.RedrivePolicy;
    }
    const url = await createOrUpdateQueue(sqs, q.name, attributes);
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
    );
    created.push({
      logicalId: q.logicalId,
      name: q.name,
      url,
      arn: out.Attributes?.QueueArn ?? "",
      dlqUrl: dlq?.url,
      jobs: q.jobs,
      payloadBucket: q.payloadBucket,
    });
  }
  return created;
}

/** With persistence a queue may already exist with older attributes: bring them up to date. */
async function createOrUpdateQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return out.QueueUrl ?? "";
  } catch (error) {
    const code = (error as { name?: string }).name ?? "";
    if (!/QueueAlreadyExists|QueueNameExists/.test(code)) throw error;
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const url = out.QueueUrl ?? "";
    const { FifoQueue: _fifo, ...mutable } = attributes;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: mutable }));
    return url;
  }
}
