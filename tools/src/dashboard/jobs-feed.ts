import type { JobStatus } from "sqs-jobs/internal/ledger/job-state";
import { listQueries } from "sqs-jobs/internal/ledger/newest-jobs";
import type { JobSummary } from "sqs-jobs/internal/ledger/stored-job";

/** How often the page polls a listing (`POLL_MS` in ui/polling.js). */
export const PAGE_POLL_MS = 2_500;
/** The jobs page's read budget: list-index Query requests per listed queue per poll, on average. */
export const QUERIES_PER_QUEUE_PER_POLL = 1;
/** A read asked for by hand ("Read now") starts at most this often per view. */
const MIN_FORCED_READ_MS = 10_000;
/** A failed read is answered again for this long before the next try, so errors cost no reads. */
const FAILED_READ_MS = 10_000;
/** Views remembered (one per filter and page); past it the oldest is dropped. */
const MAX_VIEWS = 64;

/** What a listing asks for. */
export interface JobsView {
  readonly queues: readonly string[];
  readonly states: readonly JobStatus[];
  readonly limit: number;
  readonly before: Date | undefined;
}

export interface JobsReading {
  readonly jobs: readonly JobSummary[];
  /** When the list index was read (epoch ms). */
  readonly readAt: number;
  /** When a poll will read it again (epoch ms). */
  readonly nextReadAt: number;
}

type Entry =
  | { readonly kind: "read"; readonly reading: JobsReading }
  | { readonly kind: "failed"; readonly error: unknown; readonly until: number };

/**
 * How long a view's reading serves polls: as long as the page polls to spend, at
 * {@link QUERIES_PER_QUEUE_PER_POLL}, the Query requests one reading costs (queues x states x
 * shards), so the average holds whatever the view. One state: 32 polls (80 s); every state:
 * 256 polls (10.7 min; 8 states x 32 shards).
 */
export function readingLifeMs(view: Pick<JobsView, "queues" | "states">): number {
  const queues = Math.max(1, view.queues.length);
  const polls = listQueries(queues, view.states.length) / (queues * QUERIES_PER_QUEUE_PER_POLL);
  return Math.max(PAGE_POLL_MS, polls * PAGE_POLL_MS);
}

/**
 * The jobs page's query plan. Listing the newest jobs reads every shard of the list index for
 * each queue and state (32 shards spread one busy queue's writes; see docs/ledger.md), far too
 * many reads to repeat on each 2.5-s poll. So each view (queues, states, limit, page) is read
 * once when first asked for, and that reading answers every poll of every viewer until its life
 * ({@link readingLifeMs}) is over; readers asking meanwhile share the read in flight. A viewer may
 * ask for a fresh read ("Read now") at most every 10 s; that read is theirs to pay for.
 */
export class JobsFeed {
  readonly #read: (view: JobsView) => Promise<JobSummary[]>;
  readonly #entries = new Map<string, Entry>();
  readonly #running = new Map<string, Promise<JobsReading>>();

  constructor(read: (view: JobsView) => Promise<JobSummary[]>) {
    this.#read = read;
  }

  async get(view: JobsView, options: { readonly fresh?: boolean } = {}): Promise<JobsReading> {
    const key = JSON.stringify([view.queues, view.states, view.limit, view.before?.toISOString() ?? null]);
    const now = Date.now();
    const entry = this.#entries.get(key);
    if (entry?.kind === "failed" && now < entry.until) throw entry.error;
    if (entry?.kind === "read") {
      const { readAt, nextReadAt } = entry.reading;
      const forced = options.fresh === true && now - readAt >= MIN_FORCED_READ_MS;
      if (now < nextReadAt && !forced) return entry.reading;
    }
    const running = this.#running.get(key);
    if (running !== undefined) return running;
    const next = this.#readView(key, view).finally(() => this.#running.delete(key));
    this.#running.set(key, next);
    return next;
  }

  async #readView(key: string, view: JobsView): Promise<JobsReading> {
    const readAt = Date.now();
    let jobs: JobSummary[];
    try {
      jobs = await this.#read(view);
    } catch (error) {
      this.#remember(key, { kind: "failed", error, until: readAt + FAILED_READ_MS });
      throw error;
    }
    const reading = { jobs, readAt, nextReadAt: readAt + readingLifeMs(view) };
    this.#remember(key, { kind: "read", reading });
    return reading;
  }

  #remember(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    const oldest = this.#entries.keys().next().value;
    if (this.#entries.size > MAX_VIEWS && oldest !== undefined) this.#entries.delete(oldest);
  }
}
