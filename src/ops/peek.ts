import type { SQSClient } from "@aws-sdk/client-sqs";
import { type DeadLetterRecord, toDeadLetterRecord } from "./dead-letter-record.ts";
import { scanQueue } from "./scan.ts";

export interface PeekOptions {
  /** Most messages to show. @default 10 */
  readonly limit?: number;
  readonly onProgress?: (seen: number) => void;
}

/**
 * The dead-lettered jobs of a DLQ with their reasons, without consuming them: messages are
 * received with a short visibility timeout and made visible again at once.
 *
 * @example
 * const { dlq } = await resolveDeadLetterPair(sqs, "reports");
 * for (const r of await peekDeadLetters(sqs, dlq.url)) console.log(r.job, r.reason, r.errorMessage);
 */
export async function peekDeadLetters(
  sqs: SQSClient,
  dlqUrl: string,
  options: PeekOptions = {},
): Promise<DeadLetterRecord[]> {
  const messages = await scanQueue(sqs, dlqUrl, {
    limit: options.limit ?? 10,
    visibilitySeconds: 30,
    onProgress: options.onProgress,
  });
  return messages.map(toDeadLetterRecord);
}
