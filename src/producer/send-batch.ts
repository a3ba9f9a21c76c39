import { classifyFailure, describeAwsError } from "../core/aws-errors.ts";
import { exponentialBackoff } from "../core/retry.ts";
import { SQS_BATCH_MAX_ENTRIES } from "../core/sqs-limits.ts";
import type { AttemptWatch } from "./attempt-watch.ts";
import { type EntryOutcome, notSent, type Pending, RETRY, readResponse, tried } from "./batch-entries.ts";
import type { DeliveryChannel } from "./delivery-channel.ts";
import type { PreparedMessage } from "./message.ts";
import type { ProgressReport } from "./progress.ts";
import { deliveredAs, refusedBy } from "./send-each.ts";
import type { SendGate } from "./send-gate.ts";
import { type Delivered, deduplicatedOnto } from "./send-result.ts";

/** Longest wait before a retry, so a batch never stalls for long. */
const MAX_RETRY_DELAY_MS = 5_000;

export interface BatchSendSettings {
  /** The queue or topic; SQS and SNS both take at most 10 entries a request. */
  readonly channel: DeliveryChannel;
  /** FIFO queue or topic: each message group goes out in input order, one request at a time. */
  readonly fifo: boolean;
  readonly concurrency: number;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
}

/**
 * Jobs that must reach SQS in order: one message group on a FIFO queue, or a single job on a
 * standard queue. `items[head..]` are not settled yet. A lane is in at most one request or one
 * backoff at a time, so its jobs can never overtake each other.
 */
interface Lane {
  items: Pending[];
  head: number;
}

/** Up to 10 entries taken from the front of some ready lanes. */
interface Request {
  readonly entries: Pending[];
  /** The lanes the entries came from, in order, with how many entries each gave. */
  readonly lanes: { readonly lane: Lane; readonly count: number }[];
}

/**
 * The deliver step of `sendBatch` and `publishBatch`: sends prepared messages in SendMessageBatch
 * (or SNS PublishBatch) requests with at most `concurrency` in flight. Each request is its jobs' delivery unit: the gate opens
 * its new jobs just before it goes out and closes them as they settle for good.
 * Entries SQS refuses for a transient reason (throttling, internal errors) and whole requests that
 * fail transiently are retried with backoff; everything else ends in the result with its error.
 * No item is dropped. On a FIFO queue each message group is stored in input order: a group is in
 * one request at a time, its retries go out before its later jobs, and once one of its jobs fails
 * for good its later jobs are not sent (and say why), so a resend can restore the order.
 */
export async function sendPrepared(
  messages: readonly PreparedMessage[],
  settings: BatchSendSettings,
  gate: SendGate,
  progress: ProgressReport,
): Promise<Delivered[]> {
  return new BatchSend(messages, settings, gate, progress).run();
}

class BatchSend {
  readonly #settings: BatchSendSettings;
  readonly #gate: SendGate;
  readonly #progress: ProgressReport;
  readonly #results: Delivered[];
  /** Jobs settled for good since the gate was last told. */
  #settled: Pending[] = [];
  /** The gate's closes: they run beside the next requests, and the batch ends after them. */
  readonly #closing: Promise<void>[] = [];
  /** Lanes waiting for a request, oldest first; `#ready[#nextReady..]` are still waiting. */
  readonly #ready: Lane[] = [];
  #nextReady = 0;
  /** Requests in flight plus backoffs running: while above 0, work may still come back. */
  #busy = 0;
  #done = 0;
  #fatal = false;
  #changed!: Promise<void>;
  #notify!: () => void;

  constructor(
    messages: readonly PreparedMessage[],
    settings: BatchSendSettings,
    gate: SendGate,
    progress: ProgressReport,
  ) {
    this.#settings = settings;
    this.#gate = gate;
    this.#progress = progress;
    this.#results = new Array(messages.length);
    this.#resetSignal();
    const groups = new Map<string, Lane>();
    for (let index = 0; index < messages.length; index++) {
      const message = messages[index] as PreparedMessage;
      const pending: Pending = { index, message, tries: 0, ambiguous: false };
      const group = settings.fifo ? message.groupId : undefined;
      const lane = group === undefined ? undefined : groups.get(group);
      if (lane !== undefined) {
        lane.items.push(pending);
        continue;
      }
      const fresh: Lane = { items: [pending], head: 0 };
      if (group !== undefined) groups.set(group, fresh);
      this.#ready.push(fresh);
    }
  }

  async run(): Promise<Delivered[]> {
    const workers = Array.from({ length: this.#settings.concurrency }, () => this.#work());
    // Settled: after a fatal error the requests in flight still end, so what they did is known.
    const ended = await Promise.allSettled(workers);
    await Promise.all(this.#closing);
    for (const end of ended) if (end.status === "rejected") throw end.reason;
    return this.#results;
  }

  /** One of `concurrency` loops: send what is ready, wait while retries are pending, stop when all is settled. */
  async #work(): Promise<void> {
    while (!this.#fatal) {
      const request = this.#take();
      if (request !== undefined) {
        this.#busy++;
        try {
          await this.#send(request);
        } catch (error) {
          this.#fatal = true;
          throw error;
        } finally {
          this.#busy--;
          this.#signal();
        }
        this.#progress.report(this.#done);
      } else if (this.#busy === 0) {
        return;
      } else {
        await this.#changed;
      }
    }
  }

  /** Fills one request from the front of the ready lanes, in the order they became ready. */
  #take(): Request | undefined {
    const entries: Pending[] = [];
    const lanes: { lane: Lane; count: number }[] = [];
    let bytes = 0;
    while (entries.length < SQS_BATCH_MAX_ENTRIES && this.#nextReady < this.#ready.length) {
      const lane = this.#ready[this.#nextReady] as Lane;
      let count = 0;
      for (let i = lane.head; i < lane.items.length && entries.length < SQS_BATCH_MAX_ENTRIES; i++) {
        const p = lane.items[i] as Pending;
        if (bytes + p.message.sizeBytes > this.#settings.channel.maxRequestBytes) break;
        entries.push(p);
        bytes += p.message.sizeBytes;
        count++;
      }
      if (count === 0) break; // the next job does not fit: it opens the next request
      lanes.push({ lane, count });
      this.#nextReady++;
    }
    if (this.#nextReady === this.#ready.length) {
      this.#ready.length = 0;
      this.#nextReady = 0;
    }
    return entries.length === 0 ? undefined : { entries, lanes };
  }

  async #send(request: Request): Promise<void> {
    const { entries } = request;
    const outcomes = await this.#open(entries);
    const sending = entries.filter((_, i) => outcomes[i] === undefined);
    for (const p of sending) p.tries++;
    const attempts: AttemptWatch = { ambiguous: false };
    let sent: EntryOutcome[] = [];
    if (sending.length > 0) {
      try {
        const answer = await this.#settings.channel.sendBatch(sending, attempts);
        sent = readResponse(sending, answer, this.#settings.maxRetries);
      } catch (error) {
        const missing = this.#settings.channel.missing(error);
        if (missing !== undefined) throw missing;
        const kind = classifyFailure(error);
        if (kind === "ambiguous") for (const p of sending) p.ambiguous = true;
        const failed: EntryOutcome = { kind: "failed", error: describeAwsError(error) };
        sent = sending.map((p) => (kind === "final" || p.tries > this.#settings.maxRetries ? failed : RETRY));
      }
    }
    let next = 0;
    for (let i = 0; i < outcomes.length; i++) outcomes[i] ??= sent[next++];
    // A retry within the call after an attempt without an answer may have stored every entry twice.
    if (attempts.ambiguous) for (const p of sending) p.ambiguous = true;

    let position = 0;
    const retryLanes: Lane[] = [];
    let retryTries = 0;
    for (const { lane, count } of request.lanes) {
      const settled = this.#settle(lane, count, outcomes, position);
      position += count;
      if (settled === "retry") {
        retryLanes.push(lane);
        retryTries = Math.max(retryTries, lane.items[lane.head]?.tries ?? 0);
      } else if (settled === "more") {
        this.#ready.push(lane);
      }
    }
    if (retryLanes.length > 0) this.#retryLater(retryLanes, retryTries);
    this.#closeSettled();
  }

  /**
   * Opens the jobs of a request that go out for the first time. Returns, per entry, its outcome
   * when it goes no further (its key is held, or the ledger could not be written), else undefined.
   */
  async #open(entries: readonly Pending[]): Promise<(EntryOutcome | undefined)[]> {
    const outcomes = new Array<EntryOutcome | undefined>(entries.length);
    const fresh = entries.flatMap((p, i) => (p.tries === 0 ? [i] : []));
    if (fresh.length === 0) return outcomes;
    try {
      const { heldBy } = await this.#gate.open(fresh.map((i) => (entries[i] as Pending).message));
      for (const [n, i] of fresh.entries()) {
        const holder = heldBy[n];
        if (holder !== undefined) outcomes[i] = { kind: "deduplicated", heldBy: holder };
      }
    } catch (error) {
      for (const i of fresh) outcomes[i] = { kind: "refused", error };
    }
    return outcomes;
  }

  /** Tells the gate about the jobs settled for good, without holding up the next request. */
  #closeSettled(): void {
    if (this.#settled.length === 0) return;
    const settled = this.#settled.map((p) => {
      const result = this.#results[p.index] as Delivered;
      return { message: p.message, as: deliveredAs(result) };
    });
    this.#settled = [];
    this.#closing.push(this.#gate.close(settled));
  }

  /**
   * Records what one request did to the `count` jobs it took from the front of `lane` (their
   * outcomes start at `outcomes[from]`), and says what the lane needs next: a retry after a
   * backoff, another request now, or nothing.
   */
  #settle(
    lane: Lane,
    count: number,
    outcomes: readonly (EntryOutcome | undefined)[],
    from: number,
  ): "retry" | "more" | "done" {
    const end = lane.head + count;
    let retry: Pending[] | undefined;
    let stoppedBy: number | undefined;
    for (let i = lane.head; i < end; i++) {
      const p = lane.items[i] as Pending;
      const outcome = outcomes[from + i - lane.head] as EntryOutcome;
      if (outcome.kind === "ok") this.#succeed(p, outcome.messageId);
      else if (outcome.kind === "deduplicated") this.#conclude(p, deduplicatedOnto(p.index, outcome.heldBy));
      else if (outcome.kind === "failed" || outcome.kind === "refused") {
        if (outcome.kind === "failed") this.#fail(p, tried(outcome.error, p.tries));
        else this.#conclude(p, refusedBy(outcome.error, p.message, p.index));
        if (this.#settings.fifo) stoppedBy ??= p.index;
      } else if (stoppedBy !== undefined) this.#fail(p, notSent(stoppedBy));
      else {
        retry ??= [];
        retry.push(p);
      }
    }
    if (stoppedBy !== undefined) {
      for (let i = end; i < lane.items.length; i++) this.#fail(lane.items[i] as Pending, notSent(stoppedBy));
      lane.items = retry ?? [];
      lane.head = 0;
      return retry === undefined ? "done" : "retry";
    }
    if (retry !== undefined) {
      // The jobs to retry go back to the front of their lane, ahead of its later jobs.
      lane.items = retry.concat(lane.items.slice(end));
      lane.head = 0;
      return "retry";
    }
    lane.head = end;
    return lane.head < lane.items.length ? "more" : "done";
  }

  #retryLater(lanes: readonly Lane[], tries: number): void {
    const delay = exponentialBackoff({ base: this.#settings.retryBaseMs, max: MAX_RETRY_DELAY_MS }, tries);
    this.#busy++;
    setTimeout(() => {
      this.#busy--;
      this.#ready.push(...lanes);
      this.#signal();
    }, delay);
  }

  #succeed(p: Pending, messageId: string): void {
    this.#conclude(p, {
      index: p.index,
      ok: true,
      jobId: p.message.jobId,
      messageId,
      possibleDuplicate: p.ambiguous,
      deduplicated: false,
    });
  }

  #fail(p: Pending, error: string): void {
    this.#conclude(p, {
      index: p.index,
      ok: false,
      jobId: p.message.jobId,
      error,
      possibleDuplicate: p.ambiguous,
      cause: undefined,
    });
  }

  /** A job's result for good. */
  #conclude(p: Pending, result: Delivered): void {
    this.#results[p.index] = result;
    this.#settled.push(p);
    this.#done++;
  }

  /** Wakes the loops waiting for a lane to become ready or for the last request to end. */
  #signal(): void {
    const notify = this.#notify;
    this.#resetSignal();
    notify();
  }

  #resetSignal(): void {
    this.#changed = new Promise((resolve) => {
      this.#notify = resolve;
    });
  }
}
