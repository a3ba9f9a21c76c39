/** How a callback was completed, as the local Lambda API recorded it. */
export type DurableCallbackCompletion =
  | {
      readonly callbackId: string;
      readonly status: "succeeded";
      readonly result: string | undefined;
      readonly at: Date;
    }
  | {
      readonly callbackId: string;
      readonly status: "failed";
      readonly error: {
        readonly errorType?: string;
        readonly errorMessage?: string;
        readonly errorData?: string;
      };
      readonly at: Date;
    };

/**
 * The durable callbacks completed against the local Lambda API. No durable function runs in the
 * local stack, so any well-formed callback id is taken: its first completion is recorded and seen
 * by the listeners (a test forwards it to `@aws/durable-execution-sdk-js-testing`'s runner), and a
 * repeat is answered as Lambda answers a closed callback.
 */
export class LocalDurableCallbacks {
  readonly #completed = new Map<string, DurableCallbackCompletion>();
  readonly #listeners = new Set<(completion: DurableCallbackCompletion) => void>();

  /** Records the first completion of its callback; false for a repeat (the callback is closed). */
  complete(completion: DurableCallbackCompletion): boolean {
    if (this.#completed.has(completion.callbackId)) return false;
    this.#completed.set(completion.callbackId, completion);
    for (const listener of this.#listeners) listener(completion);
    return true;
  }

  get(callbackId: string): DurableCallbackCompletion | undefined {
    return this.#completed.get(callbackId);
  }

  /** Every completion, first first. */
  all(): DurableCallbackCompletion[] {
    return [...this.#completed.values()];
  }

  /** Calls `listener` with each new completion; returns how to stop. */
  onCompletion(listener: (completion: DurableCallbackCompletion) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
