/** How many keys a consumer remembers; past it the one noted longest ago is forgotten. */
const MAX_KEYS = 1_000;

/**
 * Each rate-limit key's next start as this consumer last saw it in the ledger. A key's next
 * start only moves on, so what was seen is never later than it is: a run whose key is known to be
 * busy reserves its start at once, rather than first trying one that is due (a refused write),
 * and one that could not wait that long goes back to the queue without a write.
 */
export class SeenNextStarts {
  readonly #seen = new Map<string, number>();

  get(job: string, key: string): number | undefined {
    return this.#seen.get(entryOf(job, key));
  }

  note(job: string, key: string, nextAt: number): void {
    const entry = entryOf(job, key);
    if ((this.#seen.get(entry) ?? 0) >= nextAt) return;
    // Deleted first, so that the Map's order is the order of the last notes.
    this.#seen.delete(entry);
    this.#seen.set(entry, nextAt);
    if (this.#seen.size > MAX_KEYS) {
      const oldest = this.#seen.keys().next();
      if (oldest.done !== true) this.#seen.delete(oldest.value);
    }
  }
}

const entryOf = (job: string, key: string): string => `${job}\u0000${key}`;
