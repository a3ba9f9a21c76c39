import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { queueDepth } from "../../src/ops/stats.ts";

/** Requests that reached the wire, per SQS action (SDK retries counted); or items, per action. */
export class CallCounter {
  readonly #counts = new Map<string, number>();

  add(action: string, n = 1): void {
    this.#counts.set(action, (this.#counts.get(action) ?? 0) + n);
  }

  get(action: string): number {
    return this.#counts.get(action) ?? 0;
  }

  total(): number {
    let n = 0;
    for (const v of this.#counts.values()) n += v;
    return n;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  reset(): void {
    this.#counts.clear();
  }
}

/**
 * An SQSClient for an emulator: the explicit endpoint wins over the queue URL's host (emulators hand
 * out `*.localhost` URLs that do not resolve here), with dummy credentials. With a counter, every
 * request is counted in the deserialize step, which sits inside the retry loop, so an SDK retry
 * counts as a second call.
 */
export function benchSqsClient(endpoint: string, counter?: CallCounter): SQSClient {
  const client = new SQSClient({
    endpoint,
    useQueueUrlAsEndpoint: false,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  if (counter !== undefined) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        counter.add(context.commandName ?? "unknown");
        return next(args);
      },
      { step: "deserialize", name: "benchCallCounter" },
    );
  }
  return client;
}

export async function createQueue(sqs: SQSClient, name: string): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (out.QueueUrl === undefined) throw new Error(`CreateQueue ${name} returned no URL`);
  return out.QueueUrl;
}

export async function deleteQueue(sqs: SQSClient, queueUrl: string): Promise<void> {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
}

/** Visible + in flight + delayed: every message the queue holds. */
export async function countMessages(sqs: SQSClient, queueUrl: string): Promise<number> {
  const d = await queueDepth(sqs, queueUrl);
  return d.visible + d.inFlight + d.delayed;
}

/**
 * Calls `onDeleted(n)` after every successful delete request with the number of messages it
 * removed (entries reported Successful for DeleteMessageBatch, 1 for DeleteMessage). A drain
 * benchmark stops its clock on the last delete, whoever sent it.
 */
export function onDeleted(client: SQSClient, listener: (count: number) => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === "DeleteMessageBatchCommand") {
        listener((result.output as { Successful?: readonly unknown[] }).Successful?.length ?? 0);
      } else if (context.commandName === "DeleteMessageCommand") {
        listener(1);
      }
      return result;
    },
    { step: "initialize", name: "benchOnDeleted" },
  );
}
