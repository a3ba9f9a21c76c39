import { ATTEMPTS_RUN_ATTRIBUTE } from "../core/dead-letter-attributes.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import type { Batch, Settlement } from "./batch.ts";
import { describeError } from "./describe-error.ts";
import type { SqsRecord } from "./lambda-types.ts";
import type { LevelLogger } from "./logger.ts";
import { sdkAttributes } from "./record-from-message.ts";
import { delayRetry } from "./visibility.ts";

/** Handler runs of a record's job so far, before this delivery. */
export function attemptsRun(record: SqsRecord): number {
  const carried = Number(record.messageAttributes?.[ATTEMPTS_RUN_ATTRIBUTE]?.stringValue);
  const before = Number.isSafeInteger(carried) && carried > 0 ? carried : 0;
  // Every earlier receive of this message counts: it may have run (a crash, a lost delete).
  const receives = Number(record.attributes.ApproximateReceiveCount);
  return before + (Number.isSafeInteger(receives) && receives > 1 ? receives - 1 : 0);
}

/**
 * Sends a fresh copy of a record that was not started, carrying the runs so far, so the delivery
 * that never ran costs no attempt (a released message's receive count would count it). The caller
 * deletes the original once this resolves; if it rejects, the original is released instead and
 * nothing is lost. Standard queues only: on FIFO a copy would go behind the rest of its group.
 */
async function sendFreshCopy(
  sqs: SqsConnect,
  queueUrl: string,
  record: SqsRecord,
  delaySeconds = 0,
): Promise<void> {
  const attributes = sdkAttributes(record);
  const runs = attemptsRun(record);
  if (runs > 0) attributes[ATTEMPTS_RUN_ATTRIBUTE] = { DataType: "Number", StringValue: String(runs) };
  else delete attributes[ATTEMPTS_RUN_ATTRIBUTE];
  const { client, sdk } = await sqs();
  await client.send(
    new sdk.SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: record.body,
      MessageAttributes: attributes,
      ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
    }),
  );
}

/**
 * A record not started (no time left, shutdown, a wait the ledger asked for). On a standard queue
 * it goes back as a fresh copy, so the delivery that did not run costs no attempt; on FIFO (or if
 * the copy cannot be sent) it is released, and its receive count grows by one
 * (docs/guarantees.md). A wait that cannot be set as a fresh copy's delay is set as the
 * message's visibility.
 */
export async function handBack(
  sqs: SqsConnect,
  log: LevelLogger,
  { record, batch }: { readonly record: SqsRecord; readonly batch: Batch },
  delaySeconds: number,
): Promise<Settlement> {
  if (!batch.fifo) {
    try {
      await sendFreshCopy(sqs, batch.queueUrl, record, delaySeconds);
      batch.settle(record, "delete");
      return "delete";
    } catch (error) {
      log.warn("sqs-jobs could not re-send an unstarted job; it is released instead", {
        messageId: record.messageId,
        error: describeError(error).message,
      });
    }
  }
  if (delaySeconds > 0) {
    try {
      await delayRetry(sqs, batch.queueUrl, record.receiptHandle, delaySeconds);
      batch.settle(record, "keep");
      return "keep";
    } catch {
      // Released below: it comes back at once rather than after the wait.
    }
  }
  batch.settle(record, "release");
  return "release";
}
