import type { Snapshot } from "./queue-snapshot.ts";

/** One sampled point of a queue's depths; `dlq` is its DLQ's total (visible + in flight + delayed). */
export interface DepthPoint {
  readonly at: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly dlq: number | null;
}

/**
 * Queue depths sampled by the server while it runs (every few seconds, kept `keepMs`), so the
 * page shows the last minutes as soon as it opens. SQS keeps no history of its own; on AWS the
 * same figures exist as CloudWatch metrics at one-minute resolution.
 */
export class DepthHistory {
  readonly #keepMs: number;
  readonly #points = new Map<string, DepthPoint[]>();
  #last: Snapshot | undefined;

  constructor(options: { readonly keepMs?: number } = {}) {
    this.#keepMs = options.keepMs ?? 15 * 60_000;
  }

  /** Adds a reading's depths; a reading already recorded (shared by two samples) adds nothing. */
  record(snapshot: Snapshot): void {
    if (snapshot === this.#last) return;
    this.#last = snapshot;
    const at = snapshot.at.toISOString();
    const oldest = snapshot.at.getTime() - this.#keepMs;
    for (const q of snapshot.queues) {
      const points = this.#points.get(q.url) ?? [];
      points.push({
        at,
        visible: q.visible,
        inFlight: q.inFlight,
        delayed: q.delayed,
        dlq: q.dlq === null ? null : q.dlq.visible + q.dlq.inFlight + q.dlq.delayed,
      });
      while (points.length > 0 && Date.parse(points[0]?.at ?? "") < oldest) points.shift();
      this.#points.set(q.url, points);
    }
  }

  of(queueUrl: string): readonly DepthPoint[] {
    return this.#points.get(queueUrl) ?? [];
  }
}
