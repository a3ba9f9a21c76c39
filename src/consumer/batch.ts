import type { SqsRecord } from "./lambda-types.ts";
import type { BatchMetrics } from "./metrics.ts";

/**
 * What the driver does with a record once the core has decided.
 * `delete`: handled, in the DLQ, or re-sent as a fresh copy (Lambda: left out of
 * batchItemFailures; worker: deleted).
 * `keep`: failed; its visibility already says when it returns (Lambda: reported; worker: left).
 * `release`: not started (FIFO group stop, or a fresh copy could not be sent), or too large for
 * the DLQ (left for SQS's redrive policy): handed back with visibility 0.
 */
export type Settlement = "delete" | "keep" | "release";

/** One batch as a driver hands it to the core. */
export interface Batch {
  readonly queueUrl: string;
  readonly fifo: boolean;
  /** Records in flight at once (standard queues) or groups in flight at once (FIFO). */
  readonly concurrency: number;
  /** The DLQ when the consumer was given one; else the queue's RedrivePolicy names it. */
  readonly dlqUrl: string | undefined;
  /** Lambda: false when the invocation's remaining time cannot fit a job of `timeoutMs`. */
  readonly canStart?: (timeoutMs: number) => boolean;
  /** Worker: true once shutdown began; unstarted records are handed back. */
  readonly stopping?: () => boolean;
  /** Called once per record; the driver applies it. */
  readonly settle: (record: SqsRecord, settlement: Settlement) => void;
  readonly metrics?: BatchMetrics | undefined;
}
