import type { SQSClient } from "@aws-sdk/client-sqs";
import { mapLimit } from "sqs-jobs/internal/core/map-limit";
import type { QueueRef } from "sqs-jobs/internal/ops/queue-ref";
import {
  listQueueRefs,
  type QueueDepth,
  queueStats,
  withoutDeadLetterQueues,
} from "sqs-jobs/internal/ops/stats";

/** One listed queue at one instant: its depths and its DLQ's. */
export interface QueueReading extends QueueDepth {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly oldestAgeSeconds: number | null;
  readonly dlq: ({ readonly name: string; readonly url: string } & QueueDepth) | null;
  readonly dlqError: string | null;
}

export interface Snapshot {
  readonly at: Date;
  readonly queues: readonly QueueReading[];
}

/**
 * Every queue's depths, as `sqs-jobs status` lists them (a queue that only serves as another's
 * DLQ shows in that queue's row), read in one sweep: ListQueues, then one GetQueueAttributes per
 * queue (DLQs included, so their depths come from the same sweep), 8 at a time. A reading younger
 * than `maxAgeMs` is reused, and callers that ask while one is being read share it: a page open
 * in three tabs does not triple the calls.
 */
export class QueueSnapshots {
  readonly #sqs: SQSClient;
  readonly #maxAgeMs: number;
  readonly #prefix: string | undefined;
  #last: Snapshot | undefined;
  #reading: Promise<Snapshot> | undefined;

  constructor(sqs: SQSClient, options: { readonly maxAgeMs?: number; readonly prefix?: string } = {}) {
    this.#sqs = sqs;
    this.#maxAgeMs = options.maxAgeMs ?? 1_500;
    this.#prefix = options.prefix;
  }

  /** A reading at most `maxAgeMs` old. */
  get(): Promise<Snapshot> {
    if (this.#last !== undefined && Date.now() - this.#last.at.getTime() < this.#maxAgeMs) {
      return Promise.resolve(this.#last);
    }
    return this.read();
  }

  /** A fresh reading (or the one being read now). */
  read(): Promise<Snapshot> {
    this.#reading ??= this.#sweep().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  /** Forgets the last reading: after an action the next answer shows its effect. */
  invalidate(): void {
    this.#last = undefined;
  }

  async #sweep(): Promise<Snapshot> {
    const refs = await listQueueRefs(this.#sqs, this.#prefix);
    const byArn = new Map(refs.map((r) => [r.arn, r]));
    const queues = await mapLimit(withoutDeadLetterQueues(refs), 8, (ref) => this.#readingOf(ref, byArn));
    const snapshot = { at: new Date(), queues };
    this.#last = snapshot;
    return snapshot;
  }

  async #readingOf(ref: QueueRef, known: ReadonlyMap<string, QueueRef>): Promise<QueueReading> {
    // Consumers are read apart (ConsumerCache): Lambda's limits are not SQS's.
    const {
      mappings: _m,
      mappingsError: _e,
      ...stats
    } = await queueStats(this.#sqs, ref, { knownQueues: known });
    return {
      ...stats,
      oldestAgeSeconds: stats.oldestAgeSeconds ?? null,
      dlq: stats.dlq ?? null,
      dlqError: stats.dlqError ?? null,
    };
  }
}
