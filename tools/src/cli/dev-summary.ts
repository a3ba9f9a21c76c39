import type { SQSClient } from "@aws-sdk/client-sqs";
import { plural } from "sqs-jobs/internal/core/plural";
import { queueNameOf } from "sqs-jobs/internal/core/queue-url";
import { queueDepth } from "sqs-jobs/internal/ops/stats";
import type { DevEvent } from "../local/dev-stack.ts";

interface Totals {
  /** Records the function finished with: succeeded, or dead-lettered by the sqs-jobs consumer. */
  done: number;
  /** Records returned for retry (batchItemFailures, or the whole batch when it threw). */
  retry: number;
  /** Of `done`, those the sqs-jobs consumer dead-lettered, from its metrics lines. */
  deadLettered: number;
}

const zero = (): Totals => ({ done: 0, retry: 0, deadLettered: 0 });

/**
 * Counts what the dev stack's functions do and tells, on each tick, only what changed since the
 * last: a busy stack prints a line per function every few seconds instead of a line per batch.
 * Batch events give done/retry for any handler; handlers built with sqs-jobs also print
 * CloudWatch EMF metric lines, whose `dead` count splits dead-lettered jobs from the
 * succeeded ones.
 */
export class DevSummary {
  readonly #totals = new Map<string, Totals>();
  readonly #sinceLast = new Map<string, Totals>();
  readonly #dlqDepth = new Map<string, number>();
  /** How the user runs the CLI (`npx sqs-jobs`), so the hint on a new dead letter can be pasted. */
  readonly #cli: string;

  constructor(cli = "npx sqs-jobs") {
    this.#cli = cli;
  }

  #add(functionName: string, change: Partial<Totals>): void {
    for (const map of [this.#totals, this.#sinceLast]) {
      const t = map.get(functionName) ?? zero();
      t.done += change.done ?? 0;
      t.retry += change.retry ?? 0;
      t.deadLettered += change.deadLettered ?? 0;
      map.set(functionName, t);
    }
  }

  record(event: Extract<DevEvent, { type: "batch" }>): void {
    this.#add(event.functionName, { done: event.records - event.failed, retry: event.failed });
  }

  /**
   * Takes a function's log line; returns true when it was an sqs-jobs metrics line, which is
   * counted here instead of printed (it is meant for CloudWatch, not for people).
   */
  log(functionName: string, line: string): boolean {
    if (!line.startsWith('{"_aws"')) return false;
    try {
      const parsed: unknown = JSON.parse(line);
      const dead = typeof parsed === "object" && parsed !== null && "dead" in parsed ? parsed.dead : 0;
      if (typeof dead === "number" && dead > 0) this.#add(functionName, { deadLettered: dead });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Reads each DLQ and returns a line for each whose message count changed. The count is visible
   * + in flight + delayed: a `dlq peek` or `dlq export` hides messages while it reads them, and a
   * visible-only count would report them as new dead letters when they reappear. A DLQ that
   * cannot be read (during shutdown or a restart) is skipped; the next tick reads it again.
   */
  async readDlqs(sqs: SQSClient, dlqUrls: readonly string[]): Promise<string[]> {
    const lines: string[] = [];
    for (const url of dlqUrls) {
      try {
        const depth = await queueDepth(sqs, url);
        const line = this.dlq(queueNameOf(url), depth.visible + depth.inFlight + depth.delayed);
        if (line !== undefined) lines.push(line);
      } catch {
        // Not worth a message: see above.
      }
    }
    return lines;
  }

  /** Returns a line when the number of messages in a DLQ changed. */
  dlq(name: string, depth: number): string | undefined {
    const before = this.#dlqDepth.get(name) ?? 0;
    this.#dlqDepth.set(name, depth);
    if (depth === before) return undefined;
    return `DLQ ${name}: ${plural(depth, "message")}${depth > before ? ` (+${depth - before}; see \`${this.#cli} dlq peek ${name}\`)` : ""}`;
  }

  /** One line per function that ran since the last tick. */
  tick(): string[] {
    const lines: string[] = [];
    for (const [fn, delta] of this.#sinceLast) {
      const total = this.#totals.get(fn) ?? delta;
      lines.push(`${fn}: ${describe(delta, "+")} (total ${describe(total, "")})`);
    }
    this.#sinceLast.clear();
    return lines;
  }

  totals(): { functionName: string; ok: number; retried: number; deadLettered: number }[] {
    return [...this.#totals].map(([functionName, t]) => ({
      functionName,
      ok: Math.max(0, t.done - t.deadLettered),
      retried: t.retry,
      deadLettered: t.deadLettered,
    }));
  }
}

function describe(t: Totals, sign: string): string {
  const ok = Math.max(0, t.done - t.deadLettered);
  return `${sign}${ok} ok, ${sign}${t.retry} to retry, ${sign}${t.deadLettered} dead-lettered`;
}
