/** Jobs per minute: sent to the queue, processed by its consumer, failed (returned for retry). */
export interface RatePoint {
  readonly at: string;
  readonly sent: number | null;
  readonly processed: number | null;
  readonly failed: number | null;
}

export interface QueueRates {
  readonly source: "local" | "cloudwatch" | null;
  /** Why there are no rates, when `source` is null. */
  readonly why: string | null;
  readonly points: readonly RatePoint[];
}

/** Where a dashboard's per-minute rates come from. */
export interface RateSource {
  ratesOf(queueArn: string, now: Date): QueueRates;
}

/** On AWS: CloudWatch is not read (yet), and the page says why its charts are empty. */
export const NO_RATES: RateSource = {
  ratesOf: () => ({
    source: null,
    why: "rates are read from the local dev stack only; on AWS see the CloudWatch metrics AWS/SQS NumberOfMessagesSent and NumberOfMessagesDeleted",
    points: [],
  }),
};

const MINUTE = 60_000;

/**
 * Per-minute counts of the batches the local dev stack's pollers ran, per queue, for the last
 * `keepMinutes` minutes. `processed` counts the records a function finished (succeeded, or
 * dead-lettered by the sqs-jobs consumer), `failed` those it returned for retry; `sent` is not
 * known locally (the emulator does not count sends) and stays null.
 *
 * @example
 * const rates = new LocalRates();
 * startDevStack({ onEvent: (e) => e.type === "batch" && rates.record(e.queueArn, e) });
 */
export class LocalRates implements RateSource {
  readonly #keepMinutes: number;
  readonly #startedMinute: number;
  readonly #counts = new Map<string, Map<number, { processed: number; failed: number }>>();

  constructor(options: { readonly keepMinutes?: number; readonly now?: Date } = {}) {
    this.#keepMinutes = options.keepMinutes ?? 15;
    this.#startedMinute = Math.floor((options.now ?? new Date()).getTime() / MINUTE);
  }

  record(
    queueArn: string,
    batch: { readonly records: number; readonly failed: number },
    at = new Date(),
  ): void {
    const minute = Math.floor(at.getTime() / MINUTE);
    const byMinute = this.#counts.get(queueArn) ?? new Map();
    const count = byMinute.get(minute) ?? { processed: 0, failed: 0 };
    count.processed += batch.records - batch.failed;
    count.failed += batch.failed;
    byMinute.set(minute, count);
    for (const old of byMinute.keys()) if (old <= minute - this.#keepMinutes) byMinute.delete(old);
    this.#counts.set(queueArn, byMinute);
  }

  /** One point per minute since the stack started (at most `keepMinutes`), zero where nothing ran. */
  ratesOf(queueArn: string, now: Date): QueueRates {
    const current = Math.floor(now.getTime() / MINUTE);
    const first = Math.max(this.#startedMinute, current - this.#keepMinutes + 1);
    const byMinute = this.#counts.get(queueArn);
    const points: RatePoint[] = [];
    for (let minute = first; minute <= current; minute++) {
      const count = byMinute?.get(minute);
      points.push({
        at: new Date(minute * MINUTE).toISOString(),
        sent: null,
        processed: count?.processed ?? 0,
        failed: count?.failed ?? 0,
      });
    }
    return { source: "local", why: null, points };
  }
}
