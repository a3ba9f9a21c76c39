import { keepHiddenClass } from "../core/keep-hidden-class.ts";
import type { JobContext } from "./handle.ts";
import { LevelLogger, type Logger } from "./logger.ts";

/** Marks a handler that resolved, as opposed to the error it threw. */
export const SUCCEEDED: unique symbol = Symbol("succeeded");
/** Marks a job given up on at worker shutdown: its message is handed back untouched. */
export const ABANDONED: unique symbol = Symbol("abandoned");
export type Completion = typeof SUCCEEDED | typeof ABANDONED | { readonly error: unknown };

/** A running job's index in {@link RunningJobs}; a symbol, so handlers never see it on ctx. */
const SLOT: unique symbol = Symbol("slot");

/**
 * The context handed to one handler call, and that call's bookkeeping. The AbortController, the
 * child logger and the Date are made only when the handler reads them: most handlers read none,
 * and a batch of 10,000 records should not pay for 10,000 of each.
 */
export class RunningJob implements JobContext {
  readonly jobId: string;
  readonly jobName: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly messageId: string;
  readonly queueUrl: string;
  readonly timeoutSeconds: number;
  /** performance.now() at which the job times out. */
  readonly deadline: number;
  readonly #enqueuedAt: string | number;
  readonly #baseLogger: LevelLogger;
  #logger: Logger | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #finish: ((token: unknown, completion: Completion) => void) | undefined;
  #token: unknown;
  #finished = false;
  #running: RunningJobs | undefined;
  [SLOT] = -1;

  constructor(
    init: {
      jobId: string;
      jobName: string;
      attempt: number;
      maxAttempts: number;
      messageId: string;
      queueUrl: string;
      enqueuedAt: string | number;
      timeoutSeconds: number;
      /** performance.now() when the record was taken up. */
      startedAt: number;
    },
    logger: LevelLogger,
  ) {
    this.jobId = init.jobId;
    this.jobName = init.jobName;
    this.attempt = init.attempt;
    this.maxAttempts = init.maxAttempts;
    this.messageId = init.messageId;
    this.queueUrl = init.queueUrl;
    this.#enqueuedAt = init.enqueuedAt;
    this.timeoutSeconds = init.timeoutSeconds;
    this.deadline = init.startedAt + init.timeoutSeconds * 1000;
    this.#baseLogger = logger;
  }

  get enqueuedAt(): Date {
    return new Date(this.#enqueuedAt);
  }

  get logger(): Logger {
    this.#logger ??= this.#baseLogger.child({
      job: this.jobName,
      jobId: this.jobId,
      messageId: this.messageId,
      attempt: this.attempt,
    });
    return this.#logger;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /**
   * Follows the handler's promise and calls `onEnd(token, completion)` once: when it settles, or
   * when {@link end} comes first (timeout, shutdown). A callback and a token rather than a promise
   * or a closure: one function serves every job.
   */
  watch<T>(
    result: PromiseLike<unknown>,
    running: RunningJobs,
    onEnd: (token: T, completion: Completion) => void,
    token: T,
  ): void {
    this.#running = running;
    this.#finish = onEnd as (token: unknown, completion: Completion) => void;
    this.#token = token;
    result.then(
      () => this.end(SUCCEEDED),
      (error: unknown) => this.end({ error }),
    );
  }

  /** Settles the attempt once; a timeout or shutdown also aborts the signal. */
  end(completion: Completion, abortReason?: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#running?.delete(this);
    if (abortReason !== undefined) {
      this.#abortReason = abortReason;
      this.#controller?.abort(abortReason);
    }
    this.#finish?.(this.#token, completion);
  }
}

keepHiddenClass(
  new RunningJob(
    {
      jobId: "-",
      jobName: "-",
      attempt: 1,
      maxAttempts: 1,
      messageId: "-",
      queueUrl: "-",
      enqueuedAt: "1970-01-01T00:00:00.000Z",
      timeoutSeconds: 1,
      // Fractional, as performance.now() readings are: the deadline field then holds a double.
      startedAt: 0.5,
    },
    new LevelLogger(console, "silent"),
  ),
);

/**
 * The jobs whose handler is still running, for the deadline sweep and shutdown. An array with
 * swap-remove rather than a Set: a Set that fills and empties with every batch rehashes its table
 * again and again, and the dead tables left in the old generation keep each batch's garbage
 * alive through scavenges (measured: GC took half the time of a 10-record batch).
 */
export class RunningJobs {
  readonly #jobs: RunningJob[] = [];

  get size(): number {
    return this.#jobs.length;
  }

  add(job: RunningJob): void {
    job[SLOT] = this.#jobs.length;
    this.#jobs.push(job);
  }

  delete(job: RunningJob): void {
    const slot = job[SLOT];
    if (slot < 0 || this.#jobs[slot] !== job) return;
    job[SLOT] = -1;
    const last = this.#jobs.pop() as RunningJob;
    if (last === job) return;
    this.#jobs[slot] = last;
    last[SLOT] = slot;
  }

  /** A copy, so jobs may end (and leave) while the caller walks it. */
  list(): RunningJob[] {
    return this.#jobs.slice();
  }
}
