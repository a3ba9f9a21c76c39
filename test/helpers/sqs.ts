import { randomUUID } from "node:crypto";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { inject } from "vitest";

/** A client for the run's SQS endpoint (fauxqs, or LocalStack when AWS_ENDPOINT_URL is set). */
export function testSqs(): SQSClient {
  return new SQSClient({
    endpoint: inject("sqsEndpoint"),
    region: process.env.AWS_REGION ?? "us-east-1",
    useQueueUrlAsEndpoint: false,
  });
}

export interface QueueOptions {
  readonly fifo?: boolean;
  readonly attributes?: Record<string, string>;
}

/** Creates a queue with a unique name so tests never share state. */
export async function createTestQueue(
  sqs: SQSClient,
  label: string,
  options: QueueOptions = {},
): Promise<string> {
  const base = `${label}-${randomUUID().slice(0, 8)}`;
  const name = options.fifo ? `${base}.fifo` : base;
  const attributes: Record<string, string> = { ...options.attributes };
  if (options.fifo) attributes.FifoQueue = "true";
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (out.QueueUrl === undefined) throw new Error(`CreateQueue ${name} returned no URL`);
  return out.QueueUrl;
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  const arn = out.Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`no QueueArn for ${queueUrl}`);
  return arn;
}

/**
 * Receives until the queue has been empty for `quietMs`, deleting what it reads; returns every
 * message with its attributes.
 */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: { quietMs?: number; expect?: number } = {},
): Promise<Message[]> {
  const all: Message[] = [];
  const quietMs = options.quietMs ?? 1_000;
  let lastSeen = Date.now();
  while (Date.now() - lastSeen < quietMs) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) {
      if (options.expect !== undefined && all.length >= options.expect) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    lastSeen = Date.now();
    all.push(...messages);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return all;
}

export { queueDepth } from "../../src/ops/stats.ts";
