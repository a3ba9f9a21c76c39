import type { DevEvent } from "../local/dev-stack.ts";

interface Totals {
  ok: number;
  failed: number;
}

/**
 * Counts what the dev stack's functions do and tells, on each tick, only what changed since the
 * last: a busy stack prints a line per function every few seconds instead of a line per batch.
 * `failed` counts records returned for retry; dead-lettering is visible as DLQ depth.
 */
export class DevSummary {
  readonly #totals = new Map<string, Totals>();
  readonly #sinceLast = new Map<string, Totals>();
  readonly #dlqDepth = new Map<string, number>();

  record(event: Extract<DevEvent, { type: "batch" }>): void {
    for (const map of [this.#totals, this.#sinceLast]) {
      const t = map.get(event.functionName) ?? { ok: 0, failed: 0 };
      t.ok += event.records - event.failed;
      t.failed += event.failed;
      map.set(event.functionName, t);
    }
  }

  /** Returns a line when the depth of a DLQ changed. */
  dlq(name: string, depth: number): string | undefined {
    const before = this.#dlqDepth.get(name) ?? 0;
    this.#dlqDepth.set(name, depth);
    if (depth === before) return undefined;
    return `DLQ ${name}: ${depth} message${depth === 1 ? "" : "s"}${depth > before ? ` (+${depth - before}; see \`sqs-jobs dlq peek ${name}\`)` : ""}`;
  }

  /** One line per function that ran since the last tick. */
  tick(): string[] {
    const lines: string[] = [];
    for (const [fn, delta] of this.#sinceLast) {
      const total = this.#totals.get(fn) ?? delta;
      lines.push(
        `${fn}: +${delta.ok} ok, +${delta.failed} failed (total ${total.ok} ok, ${total.failed} failed)`,
      );
    }
    this.#sinceLast.clear();
    return lines;
  }

  totals(): { functionName: string; ok: number; failed: number }[] {
    return [...this.#totals].map(([functionName, t]) => ({ functionName, ...t }));
  }
}
