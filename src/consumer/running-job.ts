import type { JobContext } from "./handle.ts";
import type { LevelLogger, Logger } from "./logger.ts";

/** Marks a handler that resolved, as opposed to the error it threw. */
export const SUCCEEDED: unique symbol = Symbol("succeeded");
/** Marks a job given up on at worker shutdown: its message is handed back untouched. */
export const ABANDONED: unique symbol = Symbol("abandoned");
export type Completion = typeof SUCCEEDED | typeof ABANDONED | { readonly error: unknown };

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
  /** Epoch ms at which the job times out. */
  readonly deadline: number;
  readonly #enqueuedAt: string | number;
  readonly #baseLogger: LevelLogger;
  #logger: Logger | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #finish: ((completion: Completion) => void) | undefined;
  #finished = false;
  #running: Set<RunningJob> | undefined;

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
    // Taken when the handler starts, so time spent validating does not count against it.
    this.deadline = Date.now() + init.timeoutSeconds * 1000;
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

  /** Waits for the handler's promise; {@link end} may settle it first (timeout, shutdown). */
  wait(result: PromiseLike<unknown>, running: Set<RunningJob>): Promise<Completion> {
    this.#running = running;
    return new Promise<Completion>((resolve) => {
      this.#finish = resolve;
      result.then(
        () => this.end(SUCCEEDED),
        (error: unknown) => this.end({ error }),
      );
    });
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
    this.#finish?.(completion);
  }
}
