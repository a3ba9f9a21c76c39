import { DEAD_LETTER_REASONS, type DeadLetterReason } from "sqs-jobs/internal/core/dead-letter-attributes";
import { type DeadLetterRecord, envelopeFields } from "sqs-jobs/internal/ops/dead-letter-record";

/** A dead-lettered job, as `dlq(queue)` returns it. */
export interface DeadJob {
  /** The envelope's job id; `undefined` for a body that is not an sqs-jobs envelope. */
  readonly jobId: string | undefined;
  /** The job's name, when the message named one. */
  readonly jobName: string | undefined;
  /** Why sqs-jobs dead-lettered it; `undefined` when SQS's redrive policy moved it (a crash, a timeout). */
  readonly reason: DeadLetterReason | undefined;
  /** The last error's name and message, as the consumer recorded them. */
  readonly error: { readonly name: string; readonly message: string } | undefined;
  /** Attempts the consumer made; `undefined` when SQS's redrive policy moved it. */
  readonly attempts: number | undefined;
  /** The envelope's payload as it was sent; `undefined` for a body that is not an envelope. */
  readonly payload: unknown;
  /** The message body as it stands in the DLQ. */
  readonly body: string;
}

const REASONS: readonly string[] = DEAD_LETTER_REASONS;

export function toDeadJob(record: DeadLetterRecord): DeadJob {
  return {
    jobId: record.jobId,
    jobName: record.jobName,
    reason: REASONS.includes(record.reason ?? "") ? (record.reason as DeadLetterReason) : undefined,
    error:
      record.errorName === undefined
        ? undefined
        : { name: record.errorName, message: record.errorMessage ?? "" },
    attempts: record.attempts,
    payload: envelopeFields(record.body).payload,
    body: record.body,
  };
}
