import { describeAwsError } from "../core/aws-errors.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import type { LevelLogger } from "./logger.ts";

/** Makes a failed message return after `seconds` (its backoff). */
export async function delayRetry(
  sqs: SqsConnect,
  queueUrl: string,
  receiptHandle: string,
  seconds: number,
): Promise<void> {
  const { client, sdk } = await sqs();
  await client.send(
    new sdk.ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}

/**
 * Sets the visibility of many messages, ten per call: 0 hands unstarted messages back at once,
 * the visibility timeout extends running ones (worker heartbeat). A message that cannot be
 * changed is logged, never thrown: it comes back when its current visibility ends.
 */
export async function setVisibility(
  sqs: SqsConnect,
  queueUrl: string,
  receiptHandles: readonly string[],
  seconds: number,
  logger: LevelLogger,
): Promise<void> {
  const calls: Promise<void>[] = [];
  for (let start = 0; start < receiptHandles.length; start += 10) {
    const chunk = receiptHandles.slice(start, start + 10);
    calls.push(
      // A failure to load the SDK or build the client is logged like a failed call.
      sqs()
        .then(({ client, sdk }) =>
          client.send(
            new sdk.ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((handle, i) => ({
                Id: String(i),
                ReceiptHandle: handle,
                VisibilityTimeout: seconds,
              })),
            }),
          ),
        )
        .then(
          (out) => {
            if (out.Failed !== undefined && out.Failed.length > 0) {
              logger.warn("sqs-jobs could not change the visibility of some messages", {
                queueUrl,
                visibilityTimeout: seconds,
                failed: out.Failed.length,
                reason: out.Failed[0]?.Code,
              });
            }
          },
          (error: unknown) => {
            logger.warn("sqs-jobs could not change the visibility of messages", {
              queueUrl,
              visibilityTimeout: seconds,
              count: chunk.length,
              error: describeAwsError(error),
            });
          },
        ),
    );
  }
  await Promise.all(calls);
}
