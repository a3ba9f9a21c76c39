import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { toOpsError } from "../core/aws-errors.ts";
import { queueDepth } from "./stats.ts";

export interface ScanOptions {
  /** Stop after this many messages. @default as many as the queue held when the scan started */
  readonly limit?: number;
  /**
   * Seconds each received message stays hidden while the scan goes on; they are made visible
   * again at the end (or come back by themselves after this long if the process dies).
   * @default 60
   */
  readonly visibilitySeconds?: number;
  /** Empty receives in a row that end the scan (AWS short polling samples a subset of servers). @default 2 */
  readonly emptyReceives?: number;
  readonly onProgress?: (seen: number) => void;
}

/** A received message with the handle that makes it visible again. */
export type ScannedMessage = Message & { readonly ReceiptHandle: string; readonly MessageId: string };

/**
 * Reads messages without consuming them: each is received (hidden for `visibilitySeconds`) and,
 * once the scan is over, made visible again with ChangeMessageVisibilityBatch, so nothing is
 * deleted. Every receive still counts in ApproximateReceiveCount; a queue that has its own
 * RedrivePolicy may therefore move a message it scans too often.
 *
 * On FIFO queues a group's later messages stay hidden while its first ones are held, so a scan
 * sees at most one receive's worth of each group.
 */
export async function scanQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: ScanOptions = {},
): Promise<ScannedMessage[]> {
  const held = await receiveAll(sqs, queueUrl, options);
  await restoreVisibility(sqs, queueUrl, held);
  return held;
}

/**
 * Receives until `limit` messages, as many as the queue held at the start, or the queue seems
 * empty; the caller must restore or delete them. The count at the start bounds the scan: a
 * queue that fills as fast as it is read (a consumer dead-lettering in a loop) would otherwise
 * keep it going for ever.
 */
export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  options: ScanOptions = {},
): Promise<ScannedMessage[]> {
  const emptyReceives = options.emptyReceives ?? 2;
  const held = new Map<string, ScannedMessage>();
  let empty = 0;
  try {
    const atStart = await queueDepth(sqs, queueUrl);
    const limit = Math.min(
      options.limit ?? Number.POSITIVE_INFINITY,
      atStart.visible + atStart.inFlight + atStart.delayed,
    );
    while (held.size < limit && empty < emptyReceives) {
      const batch = await receiveBatch(sqs, queueUrl, {
        max: Math.min(10, limit - held.size),
        visibilitySeconds: options.visibilitySeconds ?? 60,
        waitSeconds: empty > 0 ? 1 : 0,
      });
      const fresh = batch.filter((m) => !held.has(m.MessageId));
      // A message seen again has outlived its visibility timeout: the scan has gone round the queue.
      if (fresh.length === 0) empty++;
      else empty = 0;
      for (const m of batch) held.set(m.MessageId, m);
      options.onProgress?.(held.size);
    }
  } catch (error) {
    await restoreVisibility(sqs, queueUrl, [...held.values()]).catch(() => undefined);
    throw toOpsError(error, { what: `receiving from ${queueUrl}`, queue: queueUrl });
  }
  return [...held.values()];
}

export async function receiveBatch(
  sqs: SQSClient,
  queueUrl: string,
  options: { max: number; visibilitySeconds: number; waitSeconds: number },
): Promise<ScannedMessage[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.max,
      VisibilityTimeout: options.visibilitySeconds,
      WaitTimeSeconds: options.waitSeconds,
      MessageAttributeNames: ["All"],
      MessageSystemAttributeNames: ["All"],
    }),
  );
  return (out.Messages ?? []).filter(
    (m): m is ScannedMessage => m.ReceiptHandle !== undefined && m.MessageId !== undefined,
  );
}

/** Makes held messages visible again at once (visibility 0), ten per request. */
export async function restoreVisibility(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly ScannedMessage[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    try {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, j) => ({
            Id: String(j),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    } catch (error) {
      throw toOpsError(error, { what: `restoring the visibility of messages in ${queueUrl}` });
    }
  }
}
