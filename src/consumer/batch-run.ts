import type { SqsRecord } from "./lambda-types.ts";
import type { BatchMetrics } from "./metrics.ts";

/**
 * What the driver does with a record once the core has decided.
 * `delete`: handled, or safely in the DLQ (Lambda: left out of batchItemFailures; worker: deleted).
 * `keep`: failed; its visibility already says when it returns (Lambda: reported; worker: left).
 * `release`: never started (time, FIFO group stop, shutdown): handed back with visibility 0.
 */
export type Settlement = "delete" | "keep" | "release";

/** One batch as a driver hands it to the core. */
export interface BatchRun {
  readonly queueUrl: string;
  readonly fifo: boolean;
  /** Records in flight at once (standard queues) or groups in flight at once (FIFO). */
  readonly concurrency: number;
  /** The DLQ, resolved when the first record needs it. */
  readonly dlqUrl: () => Promise<string | undefined>;
  /** Lambda: false when the remaining time cannot fit a job of `timeoutMs` started at `now` (performance.now()). */
  readonly canStart?: (timeoutMs: number, now: number) => boolean;
  /** Worker: true once shutdown began; unstarted records are released. */
  readonly stopping?: () => boolean;
  readonly settle: (record: SqsRecord, settlement: Settlement) => void;
  readonly metrics?: BatchMetrics;
}
