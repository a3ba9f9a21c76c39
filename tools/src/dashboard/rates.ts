/** Jobs per minute: sent to the queue, processed by its consumer, failed (returned for retry). */
export interface RatePoint {
  readonly at: string;
  readonly sent: number | null;
  readonly processed: number | null;
  readonly failed: number | null;
}

/** What the queue's consumer did with its jobs in a minute: its EMF metrics per queue. */
export interface JobOutcomesPoint {
  readonly at: string;
  readonly succeeded: number;
  /** Failed attempts that will be retried (not dead). */
  readonly failed: number;
  readonly dead: number;
  readonly throttled: number;
  readonly cancelled: number;
}

export interface QueueRates {
  readonly source: "local" | "cloudwatch" | null;
  /** Why there are no rates, when `source` is null. */
  readonly why: string | null;
  readonly points: readonly RatePoint[];
  /**
   * The consumer's job outcomes per minute, beside `points`; null where the source has none (no
   * sqs-jobs Lambda consumer wrote metrics for the queue in the window, or the local stack).
   */
  readonly jobs: readonly JobOutcomesPoint[] | null;
  /** The oldest message's age where the source knows it (CloudWatch), else null. */
  readonly oldestAgeSeconds: number | null;
}

/** A queue as a rate source needs it. */
export interface RateQueue {
  readonly arn: string;
  readonly name: string;
}

/** Where a dashboard's per-minute rates come from: every listed queue's at once. */
export interface RateSource {
  read(queues: readonly RateQueue[], now: Date): Promise<ReadonlyMap<string, QueueRates>>;
}

/** No source given: the page says why its charts are empty. */
export const NO_RATES: RateSource = {
  read: async (queues) =>
    new Map(
      queues.map((q) => [
        q.arn,
        {
          source: null,
          why: "no rate source: the dashboard reads CloudWatch on AWS and counts batches under sqs-jobs dev",
          points: [],
          jobs: null,
          oldestAgeSeconds: null,
        },
      ]),
    ),
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

  async read(queues: readonly RateQueue[], now: Date): Promise<ReadonlyMap<string, QueueRates>> {
    return new Map(queues.map((q) => [q.arn, this.ratesOf(q.arn, now)]));
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
    return { source: "local", why: null, points, jobs: null, oldestAgeSeconds: null };
  }
}
