import type { JobContext } from "./handle.ts";
import { JobTimeoutError } from "./job-timeout-error.ts";
import type { LevelLogger, Logger } from "./logger.ts";

/**
 * How one handler call ended. `abandoned`: the worker gave up on it at shutdown; its message is
 * handed back untouched.
 */
export type HandlerResult =
  | { readonly kind: "succeeded" }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "abandoned" };

export interface RunningJobInit {
  readonly jobId: string;
  readonly jobName: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly messageId: string;
  readonly queueUrl: string;
  readonly enqueuedAt: Date;
  readonly timeoutSeconds: number;
}

/** The context handed to one handler call, and the call itself with its timeout. */
export class RunningJob implements JobContext {
  readonly jobId: string;
  readonly jobName: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly messageId: string;
  readonly queueUrl: string;
  readonly enqueuedAt: Date;
  readonly timeoutSeconds: number;
  readonly logger: Logger;
  readonly #controller = new AbortController();
  readonly #result: Promise<HandlerResult>;
  #end: (result: HandlerResult) => void = () => {};

  constructor(init: RunningJobInit, logger: LevelLogger) {
    this.jobId = init.jobId;
    this.jobName = init.jobName;
    this.attempt = init.attempt;
    this.maxAttempts = init.maxAttempts;
    this.messageId = init.messageId;
    this.queueUrl = init.queueUrl;
    this.enqueuedAt = init.enqueuedAt;
    this.timeoutSeconds = init.timeoutSeconds;
    this.logger = logger.child({
      job: init.jobName,
      jobId: init.jobId,
      messageId: init.messageId,
      attempt: init.attempt,
    });
    this.#result = new Promise((resolve) => {
      this.#end = resolve;
    });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * Runs the handler and resolves with how it ended: when it returns or throws, or at the job's
   * timeout (the handler's promise is then abandoned and its signal aborted), or at {@link abandon}.
   */
  async run(handler: () => unknown): Promise<HandlerResult> {
    const timeout = new JobTimeoutError(this.jobName, this.timeoutSeconds);
    const timer = setTimeout(
      () => this.#stop({ kind: "failed", error: timeout }, timeout),
      this.timeoutSeconds * 1000,
    );
    void this.#follow(handler);
    try {
      return await this.#result;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Worker shutdown: the attempt ends now, unfinished, and the handler's signal aborts. */
  abandon(reason: unknown): void {
    this.#stop({ kind: "abandoned" }, reason);
  }

  async #follow(handler: () => unknown): Promise<void> {
    try {
      await handler();
      this.#end({ kind: "succeeded" });
    } catch (error) {
      this.#end({ kind: "failed", error });
    }
  }

  #stop(result: HandlerResult, reason: unknown): void {
    this.#end(result);
    this.#controller.abort(reason);
  }
}
