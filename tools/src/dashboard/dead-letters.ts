import type { SQSClient } from "@aws-sdk/client-sqs";
import { type DeadLetterFilter, matchesFilter, reasonWord } from "sqs-jobs/internal/ops/dead-letter-filter";
import type { DeadLetterRecord } from "sqs-jobs/internal/ops/dead-letter-record";
import { peekDeadLetters } from "sqs-jobs/internal/ops/peek";
import type { QueueRef } from "sqs-jobs/internal/ops/queue-ref";
import { queueDepth } from "sqs-jobs/internal/ops/stats";
import type { WithStoredBody } from "sqs-jobs/internal/ops/stored-payloads";
import { readDeadLetterBody } from "./dead-letter-body.ts";

/**
 * A dead-lettered job as the API lists it: why it died, never its body. The job name and id come
 * from the reason attributes or a valid envelope only: a foreign body's `job` or `id` field is
 * its sender's data.
 */
export interface DeadLetterView {
  readonly messageId: string;
  readonly jobName: string | null;
  readonly jobId: string | null;
  readonly reason: string;
  readonly errorName: string | null;
  readonly errorMessage: string | null;
  readonly attempts: number | null;
  readonly firstFailureAt: string | null;
  readonly lastFailureAt: string | null;
  readonly sourceQueue: string | null;
}

export function deadLetterView(r: DeadLetterRecord): DeadLetterView {
  return {
    messageId: r.messageId,
    // The record's job name is already the attribute's, else a strictly decoded envelope's.
    jobName: r.jobName ?? null,
    jobId: readDeadLetterBody(r.body).header?.id ?? null,
    reason: reasonWord(r),
    errorName: r.errorName ?? null,
    errorMessage: r.errorMessage ?? null,
    attempts: r.attempts ?? null,
    firstFailureAt: r.firstFailureAt ?? null,
    lastFailureAt: r.lastFailureAt ?? null,
    sourceQueue: r.sourceQueue ?? null,
  };
}

/**
 * How long a peek answers for its DLQ while the DLQ's depth stays the same, and how long a peeked
 * message is shown from memory by {@link DeadLetterScans.find}. A DLQ's messages do not change
 * while they stay; only arrivals and departures do, and they move the depth, except one leaving
 * as another comes: this bounds how late that shows.
 */
const RECENT_MS = 60_000;

interface Scan {
  readonly at: number;
  readonly limit: number;
  readonly depth: number;
  readonly records: readonly DeadLetterRecord[];
}

/**
 * Peeks of DLQs (messages received with a short visibility timeout and made visible again at
 * once), at most one at a time per DLQ: two peeks at once would each see what the other hides.
 * Every receive counts in the messages' receive count and hides them a moment, so a peek is
 * reused for `maxAgeMs`, then for up to a minute while the DLQ's depth (one GetQueueAttributes,
 * which receives nothing) has not moved: an open DLQ page adds one receive a minute to each
 * message it shows, not one per poll.
 */
export class DeadLetterScans {
  readonly #sqs: SQSClient;
  readonly #maxAgeMs: number;
  readonly #scans = new Map<string, Scan>();
  readonly #running = new Map<string, Promise<Scan>>();

  constructor(sqs: SQSClient, options: { readonly maxAgeMs?: number } = {}) {
    this.#sqs = sqs;
    this.#maxAgeMs = options.maxAgeMs ?? 2_000;
  }

  /** The DLQ's depth and up to `limit` of its messages, from a recent peek of at least as many. */
  async scan(dlq: QueueRef, limit: number): Promise<Scan> {
    const last = this.#scans.get(dlq.url);
    if (last !== undefined && last.limit >= limit) {
      const age = Date.now() - last.at;
      if (age < this.#maxAgeMs) return last;
      if (age < RECENT_MS && (await this.#depthOf(dlq)) === last.depth) return last;
    }
    const running = this.#running.get(dlq.url);
    if (running !== undefined) {
      const scan = await running;
      if (scan.limit >= limit) return scan;
    }
    const next = this.#peek(dlq, limit).finally(() => this.#running.delete(dlq.url));
    this.#running.set(dlq.url, next);
    return next;
  }

  /**
   * A message of the DLQ by id: from the last peek when it is there (a message's body and reasons
   * do not change while it stays in the DLQ, and a page opens what it just listed), else from a
   * fresh peek of up to 1,000 messages.
   */
  async find(dlq: QueueRef, messageId: string): Promise<DeadLetterRecord | undefined> {
    const last = this.#scans.get(dlq.url);
    const known = last?.records.find((r) => r.messageId === messageId);
    if (known !== undefined && last !== undefined && Date.now() - last.at < RECENT_MS) return known;
    return (await this.scan(dlq, 1_000)).records.find((r) => r.messageId === messageId);
  }

  /** Forgets a DLQ's last peek: after a redrive or a purge the next listing reads it again. */
  forget(dlqUrl: string): void {
    this.#scans.delete(dlqUrl);
  }

  async #depthOf(dlq: QueueRef): Promise<number> {
    const depth = await queueDepth(this.#sqs, dlq.url);
    return depth.visible + depth.inFlight + depth.delayed;
  }

  async #peek(dlq: QueueRef, limit: number): Promise<Scan> {
    const depth = await this.#depthOf(dlq);
    const records = await peekDeadLetters(this.#sqs, dlq.url, { limit });
    const scan = { at: Date.now(), limit, depth, records };
    this.#scans.set(dlq.url, scan);
    return scan;
  }
}

/** What the page's DLQ view shows: the filtered records and counts of everything scanned. */
export function listDeadLetters(records: readonly DeadLetterRecord[], filter: DeadLetterFilter) {
  const reasons = new Map<string, number>();
  const jobs = new Map<string, number>();
  for (const r of records) {
    reasons.set(reasonWord(r), (reasons.get(reasonWord(r)) ?? 0) + 1);
    if (r.jobName !== undefined) jobs.set(r.jobName, (jobs.get(r.jobName) ?? 0) + 1);
  }
  const byCount = (a: { count: number }, b: { count: number }) => b.count - a.count;
  return {
    records: records.filter((r) => matchesFilter(r, filter)).map(deadLetterView),
    reasons: [...reasons].map(([reason, count]) => ({ reason, count })).sort(byCount),
    jobs: [...jobs].map(([jobName, count]) => ({ jobName, count })).sort(byCount),
  };
}

/**
 * One dead-lettered message in detail: what its body is and how long, the envelope's fields
 * without the payload when it is a valid envelope (SNS-wrapped or not), and the payload (for any
 * other body, the body itself) only when asked for with the token (`showPayload`). A job sent
 * through S3 (docs/payloads.md) says so; with the token, its pointer shows and the payload is the
 * stored envelope's, read by the caller ({@link withStoredBodies}), or why it could not be read.
 */
export function deadLetterDetail(record: WithStoredBody<DeadLetterRecord>, showPayload: boolean) {
  const body = readDeadLetterBody(record.body);
  const stored = record.storedBody === undefined ? undefined : readDeadLetterBody(record.storedBody);
  return {
    record: deadLetterView(record),
    format: body.format,
    bytes: Buffer.byteLength(record.body),
    envelope: body.header ?? stored?.header ?? null,
    // Whether the job is in S3 shows to anyone; where (a key may be anyone's data) with the token.
    payloadInS3: record.payloadPointer !== undefined,
    payloadPointer: showPayload ? (record.payloadPointer ?? null) : null,
    payload: showPayload ? ((stored ?? body).payload ?? null) : null,
    payloadShown: showPayload,
    ...(showPayload && record.storedBodyError !== undefined
      ? { storedBodyError: record.storedBodyError }
      : {}),
  };
}
