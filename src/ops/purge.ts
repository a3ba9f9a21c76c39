import { PurgeQueueCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { toOpsError } from "../core/aws-errors.ts";

/**
 * Deletes every message of a queue (SQS PurgeQueue: takes up to 60 seconds, at most once per
 * 60 seconds per queue). There is no undo: `exportMessages` first keeps a copy.
 */
export async function purgeQueue(sqs: SQSClient, queueUrl: string): Promise<void> {
  try {
    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
  } catch (error) {
    throw toOpsError(error, { what: `purging ${queueUrl}`, queue: queueUrl });
  }
}
