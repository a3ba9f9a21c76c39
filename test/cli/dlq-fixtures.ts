import { randomUUID } from "node:crypto";
import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type DeadLetterReason, DLQ_ATTRIBUTES } from "../../src/core/dead-letter-attributes.ts";
import { createTestQueue, queueArn } from "../helpers/sqs.ts";

export interface DeadJob {
  readonly job: string;
  readonly reason: DeadLetterReason;
  readonly errorName: string;
  readonly errorMessage: string;
  readonly attempts: number;
  readonly groupId?: string;
}

/** A source queue with a RedrivePolicy to its own DLQ, as JobQueue makes them. */
export async function queueWithDlq(sqs: SQSClient, label: string, options: { fifo?: boolean } = {}) {
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`, { fifo: options.fifo });
  const url = await createTestQueue(sqs, label, {
    fifo: options.fifo,
    attributes: {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: await queueArn(sqs, dlqUrl),
        maxReceiveCount: 10,
      }),
    },
  });
  return { url, dlqUrl, name: url.split("/").pop() ?? "", dlqName: dlqUrl.split("/").pop() ?? "" };
}

/** Puts a message in a DLQ the way the sqs-jobs consumer dead-letters it: envelope body + reason attributes. */
export async function seedDeadLetter(
  sqs: SQSClient,
  dlqUrl: string,
  sourceUrl: string,
  dead: DeadJob,
): Promise<string> {
  const id = randomUUID();
  const text = (value: string): MessageAttributeValue => ({ DataType: "String", StringValue: value });
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: JSON.stringify({
        sqsJobs: 1,
        job: dead.job,
        id,
        enqueuedAt: new Date().toISOString(),
        payload: { n: 1 },
      }),
      MessageGroupId: dead.groupId,
      MessageDeduplicationId: dead.groupId === undefined ? undefined : id,
      MessageAttributes: {
        [DLQ_ATTRIBUTES.job]: text(dead.job),
        [DLQ_ATTRIBUTES.reason]: text(dead.reason),
        [DLQ_ATTRIBUTES.errorName]: text(dead.errorName),
        [DLQ_ATTRIBUTES.errorMessage]: text(dead.errorMessage),
        [DLQ_ATTRIBUTES.attempts]: { DataType: "Number", StringValue: String(dead.attempts) },
        [DLQ_ATTRIBUTES.firstFailureAt]: text("2026-11-23T10:00:00.000Z"),
        [DLQ_ATTRIBUTES.lastFailureAt]: text("2026-11-23T10:05:00.000Z"),
        [DLQ_ATTRIBUTES.sourceQueue]: text(sourceUrl),
      },
    }),
  );
  return id;
}

export const TIMEOUT: DeadJob = {
  job: "build-report",
  reason: "exhausted",
  errorName: "JobTimeoutError",
  errorMessage: "job build-report timed out after 30 s",
  attempts: 5,
};

export const POISON: DeadJob = {
  job: "send-email",
  reason: "poison",
  errorName: "ValidationError",
  errorMessage: 'payload for job "send-email" is invalid: to: expected string',
  attempts: 1,
};
