import type { DeadLetterRecord } from "./dead-letter-record.ts";

/** Which dead-lettered messages an operation takes; all given fields must match. */
export interface DeadLetterFilter {
  /** The job name, exactly. */
  readonly job?: string;
  /**
   * Case-insensitive text found in the reason word ({@link reasonWord}), the error name or the
   * error message.
   */
  readonly reason?: string;
  /** Only messages whose last failure is at or after this instant. */
  readonly since?: Date;
  /** Only messages whose last failure is at or before this instant. */
  readonly until?: Date;
  /** Only these SQS message ids (as a DLQ listing shows them). */
  readonly messageIds?: ReadonlySet<string>;
}

/**
 * Why a message is in the DLQ, in one word: the reason the sqs-jobs consumer wrote (`poison`,
 * `permanent`, `exhausted`, `id-collision`), or `sqs` when SQS's RedrivePolicy moved it (a crash, a timeout,
 * maxReceiveCount) and no reason travelled with it.
 */
export function reasonWord(record: Pick<DeadLetterRecord, "reason">): string {
  return record.reason ?? "sqs";
}

/** True when the filter selects nothing in particular: every message matches. */
export function isEmptyFilter(filter: DeadLetterFilter | undefined): boolean {
  return (
    filter === undefined ||
    (filter.job === undefined &&
      filter.reason === undefined &&
      filter.since === undefined &&
      filter.until === undefined &&
      filter.messageIds === undefined)
  );
}

/**
 * Whether a dead-lettered message matches: the one reading of a filter shared by a DLQ listing
 * and a redrive, so what a person sees filtered is what a redrive of that filter moves. A
 * message without a last-failure time (moved by SQS's RedrivePolicy) never matches a time bound.
 */
export function matchesFilter(record: DeadLetterRecord, filter: DeadLetterFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (filter.messageIds !== undefined && !filter.messageIds.has(record.messageId)) return false;
  if (filter.job !== undefined && record.jobName !== filter.job) return false;
  if (filter.reason !== undefined) {
    const needle = filter.reason.toLowerCase();
    const haystack = [reasonWord(record), record.errorName, record.errorMessage].join("\n").toLowerCase();
    if (!haystack.includes(needle)) return false;
  }
  if (filter.since !== undefined || filter.until !== undefined) {
    const at = Date.parse(record.lastFailureAt ?? "");
    if (Number.isNaN(at)) return false;
    if (filter.since !== undefined && at < filter.since.getTime()) return false;
    if (filter.until !== undefined && at > filter.until.getTime()) return false;
  }
  return true;
}
