/**
 * Runs `sample` every `everyMs` while someone looks: from the first API request until no request
 * came for `idleAfterMs`. A page polls every few seconds, so while one is open the samples go on;
 * with none open the server makes no call at all (on AWS each sample is a `ListQueues` and a
 * `GetQueueAttributes` per queue and DLQ: about 1.7 million requests a day for 50 queues if it
 * never stopped). Idleness is measured on the monotonic clock, so a test that moves `Date` does
 * not stop it.
 */
export class SamplingWhileViewed {
  readonly #sample: () => void;
  readonly #everyMs: number;
  readonly #idleAfterMs: number;
  #lastSeen = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(sample: () => void, options: { readonly everyMs: number; readonly idleAfterMs: number }) {
    this.#sample = sample;
    this.#everyMs = options.everyMs;
    this.#idleAfterMs = options.idleAfterMs;
  }

  /** A page asked for something: sample now if sampling had stopped, and go on for a while. */
  seen(): void {
    this.#lastSeen = performance.now();
    if (this.#timer !== undefined) return;
    this.#sample();
    this.#timer = setInterval(() => this.#tick(), this.#everyMs);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (performance.now() - this.#lastSeen > this.#idleAfterMs) this.close();
    else this.#sample();
  }
}
