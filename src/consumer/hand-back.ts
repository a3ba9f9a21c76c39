import { ATTEMPTS_RUN_ATTRIBUTE } from "../core/dead-letter-attributes.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import type { SqsRecord } from "./lambda-types.ts";
import { sdkAttributes } from "./record-from-message.ts";

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
export async function sendFreshCopy(
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
