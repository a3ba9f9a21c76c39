/** A caller's progress callback, as a batch calls it: `done` of `total` items settled. */
export type OnProgress = (done: number, total: number) => void;

/**
 * Calls a caller's `onProgress` for a batch. A callback that throws is the caller's bug: it must
 * not cost the results of jobs already sent, so it is not called again and what it threw is kept
 * for the result's `progressError`.
 */
export class ProgressReport {
  readonly #onProgress: OnProgress | undefined;
  readonly #total: number;
  #failed = false;
  #error: unknown;

  constructor(onProgress: OnProgress | undefined, total: number) {
    this.#onProgress = onProgress;
    this.#total = total;
  }

  report(done: number): void {
    if (this.#onProgress === undefined || this.#failed) return;
    try {
      this.#onProgress(done, this.#total);
    } catch (error) {
      this.#failed = true;
      this.#error = error;
    }
  }

  /** `result`, with `progressError` when the callback threw. */
  finish<T extends object>(result: T): T & { readonly progressError?: unknown } {
    return this.#failed ? { ...result, progressError: this.#error } : result;
  }
}
