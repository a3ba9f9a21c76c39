import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { recordFromMessage } from "../../src/consumer/record-from-message.ts";
import type { LambdaContext, SqsBatchResponse, SqsEvent } from "../../src/index.ts";

export function lambdaContext(remainingMs: () => number = () => 60_000): LambdaContext {
  return { getRemainingTimeInMillis: remainingMs };
}

export interface Invocation {
  readonly event: SqsEvent;
  readonly response: SqsBatchResponse;
}

/**
 * Does what Lambda's SQS poller does for one batch: receive up to `max` messages, invoke the
 * handler, delete the records not listed in batchItemFailures.
 */
export async function invokeLikeLambda(
  sqs: SQSClient,
  queueUrl: string,
  queueArn: string,
  handler: (event: SqsEvent, context: LambdaContext) => Promise<SqsBatchResponse>,
  options: { max?: number; expect?: number; context?: LambdaContext; waitMs?: number } = {},
): Promise<Invocation> {
  const messages: Message[] = [];
  const want = options.expect ?? 1;
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  while (messages.length < want && Date.now() < deadline) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, options.max ?? 10) - messages.length || 1,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    messages.push(...(out.Messages ?? []));
  }
  const event: SqsEvent = { Records: messages.map((m) => recordFromMessage(m, { arn: queueArn })) };
  const response = await handler(event, options.context ?? lambdaContext());
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = event.Records.filter((r) => !failed.has(r.messageId));
  for (let i = 0; i < done.length; i += 10) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.slice(i, i + 10).map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
  return { event, response };
}

/** A logger that keeps its lines, for assertions. */
export function memoryLogger(): {
  lines: { level: string; message: string; fields: Record<string, unknown> | undefined }[];
  logger: {
    debug: (m: string, f?: Record<string, unknown>) => void;
    info: (m: string, f?: Record<string, unknown>) => void;
    warn: (m: string, f?: Record<string, unknown>) => void;
    error: (m: string, f?: Record<string, unknown>) => void;
  };
} {
  const lines: { level: string; message: string; fields: Record<string, unknown> | undefined }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
