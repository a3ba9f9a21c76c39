import type { Ledger } from "../ledger/ledger.ts";
import { CANCEL_CHECK_MS, cancelRequested, writeProgress } from "../ledger/run-flags.ts";
import { describeError } from "./describe-error.ts";
import type { LevelLogger } from "./logger.ts";

/** At most one progress write per this many ms per run; values in between are coalesced. */
export const PROGRESS_WRITE_MS = 1_000;

export interface RunHeartbeatOptions {
  /** @default {@link CANCEL_CHECK_MS} */
  readonly cancelCheckMs?: number;
}

/**
 * A running attempt's link to its ledger entry: every {@link CANCEL_CHECK_MS} it reads whether a
 * cancel request came (a progress write reads it back for free, so a run that reports progress
 * needs no read), and it stores `ctx.progress` values at most once per {@link PROGRESS_WRITE_MS},
 * the latest one always (at the latest when the run ends). It never throws: a failed read or
 * write is logged and the next beat tries again.
 */
export class RunHeartbeat {
  readonly #ledger: Ledger;
  readonly #jobId: string;
  readonly #runToken: string;
  readonly #log: LevelLogger;
  readonly #checkMs: number;
  #onCancel: () => void = () => {};
  #cancelSeen = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The latest progress not yet written. */
  #pending: string | undefined;
  #writeTimer: ReturnType<typeof setTimeout> | undefined;
  /** performance.now() of the last read or write that told whether a cancel request came. */
  #lastHeard = performance.now();
  #lastWrite = Number.NEGATIVE_INFINITY;
  /** The read or write in flight: one at a time, in order. */
  #busy: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    ledger: Ledger,
    jobId: string,
    runToken: string,
    log: LevelLogger,
    options: RunHeartbeatOptions,
  ) {
    this.#ledger = ledger;
    this.#jobId = jobId;
    this.#runToken = runToken;
    this.#log = log;
    this.#checkMs = options.cancelCheckMs ?? CANCEL_CHECK_MS;
  }

  /** Starts the beats; `onCancel` is called once when a cancel request is seen. */
  start(onCancel: () => void): void {
    this.#onCancel = onCancel;
    // Ticks are cheap (no I/O unless a read is due): a request is read at most a quarter of the
    // interval late, so within 2.5 s at the default, plus one read.
    this.#timer = setInterval(() => {
      if (performance.now() - this.#lastHeard < this.#checkMs) return;
      this.#queue(() => this.#check());
    }, this.#checkMs / 4);
    // A run in flight must not keep a stopping process alive by its beat alone.
    this.#timer.unref();
  }

  /** Keeps `json` as the run's progress: written now, or with the next write slot. */
  report(json: string): void {
    if (this.#stopped) return;
    this.#pending = json;
    if (this.#writeTimer !== undefined) return;
    const wait = Math.max(0, this.#lastWrite + PROGRESS_WRITE_MS - performance.now());
    this.#writeTimer = setTimeout(() => {
      this.#writeTimer = undefined;
      this.#queue(() => this.#write());
    }, wait);
  }

  /**
   * Whether a cancel request is on the entry: known from a beat, else read now (a failed attempt
   * asks, so that a request its beat had not read yet still stops the job instead of a retry).
   */
  async cancelRequested(): Promise<boolean> {
    if (this.#cancelSeen) return true;
    try {
      return await cancelRequested(this.#ledger, this.#jobId);
    } catch (error) {
      this.#warn("could not read whether the job was cancelled; its failure is treated as any other", error);
      return false;
    }
  }

  /** Stops the beats and writes the progress still pending, while the run holds the job. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#writeTimer);
    this.#writeTimer = undefined;
    this.#queue(() => this.#write());
    await this.#busy;
  }

  #queue(beat: () => Promise<void>): void {
    this.#busy = this.#busy.then(beat);
  }

  async #check(): Promise<void> {
    if (this.#cancelSeen) return;
    try {
      const requested = await cancelRequested(this.#ledger, this.#jobId);
      this.#lastHeard = performance.now();
      if (requested) this.#seeCancel();
    } catch (error) {
      this.#warn("could not read whether the job was cancelled; the next beat tries again", error);
    }
  }

  async #write(): Promise<void> {
    const json = this.#pending;
    if (json === undefined) return;
    this.#pending = undefined;
    this.#lastWrite = performance.now();
    try {
      const written = await writeProgress(this.#ledger, this.#jobId, this.#runToken, json);
      this.#lastHeard = performance.now();
      if (written.cancelRequested) this.#seeCancel();
    } catch (error) {
      this.#warn("could not store the job's progress; a later write tries again", error);
      // Unless a newer value came meanwhile, this one is tried again a write slot later.
      this.report(this.#pending ?? json);
    }
  }

  #seeCancel(): void {
    if (this.#cancelSeen) return;
    this.#cancelSeen = true;
    if (!this.#stopped) this.#onCancel();
  }

  #warn(message: string, error: unknown): void {
    this.#log.warn(`sqs-jobs ${message}`, { jobId: this.#jobId, error: describeError(error).message });
  }
}
