import type { SQSClient } from "@aws-sdk/client-sqs";
import { type DeadLetterRecord, toDeadLetterRecord } from "./dead-letter-record.ts";
import { scanQueue } from "./scan.ts";

export interface PeekOptions {
  /** Most messages to show. @default 10 */
  readonly limit?: number;
  readonly onProgress?: (seen: number) => void;
}

/**
 * Seconds a peeked message stays hidden if the peek dies before it makes it visible again. A
 * peek of up to 1,000 messages takes a few seconds; hidden messages leave the DLQ's visible
 * count, which its depth alarm watches, so the shorter the better.
 */
export const PEEK_VISIBILITY_SECONDS = 10;

/**
 * The dead-lettered jobs of a DLQ with their reasons, without consuming them: messages are
 * received with a short visibility timeout and made visible again (visibility 0) as soon as the
 * peek has read them.
 *
 * @example
 * const { dlq } = await resolveDeadLetterPair(sqs, "reports");
 * for (const r of await peekDeadLetters(sqs, dlq.url)) console.log(r.jobName, r.reason, r.errorMessage);
 */
export async function peekDeadLetters(
  sqs: SQSClient,
  dlqUrl: string,
  options: PeekOptions = {},
): Promise<DeadLetterRecord[]> {
  const messages = await scanQueue(sqs, dlqUrl, {
    limit: options.limit ?? 10,
    visibilitySeconds: PEEK_VISIBILITY_SECONDS,
    onProgress: options.onProgress,
  });
  return messages.map(toDeadLetterRecord);
}
