import type { FlowContext } from "../flow/flow-context.ts";
import type { JobContext } from "./handle.ts";
import { JobTimeoutError } from "./job-timeout-error.ts";
import type { LevelLogger, Logger } from "./logger.ts";

/**
 * How one handler call ended. `abandoned`: the worker gave up on it at shutdown; its message is
 * handed back untouched.
 */
export type HandlerResult =
  | { readonly kind: "succeeded"; readonly value: unknown }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "abandoned" };

export interface RunningJobInit {
  readonly jobId: string;
  readonly jobName: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly messageId: string;
  readonly queueUrl: string;
  /** The envelope's ISO date, else SQS's SentTimestamp (epoch ms). */
  readonly enqueuedAt: string | number;
  readonly timeoutSeconds: number;
  /** The run's children, flows and chains. */
  readonly flow: FlowContext;
}

/** The context handed to one handler call, and the call itself with its timeout. */
export class RunningJob implements JobContext {
  readonly jobId: string;
  readonly jobName: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly messageId: string;
  readonly queueUrl: string;
  readonly timeoutSeconds: number;
  readonly enqueuedAt: Date;
  readonly logger: Logger;
  readonly send: FlowContext["send"];
  readonly sendBatch: FlowContext["sendBatch"];
  readonly flow: FlowContext["flow"];
  readonly childResults: FlowContext["childResults"];
  readonly #baseLogger: LevelLogger;
  readonly #controller = new AbortController();
  readonly signal: AbortSignal = this.#controller.signal;
  readonly #result: Promise<HandlerResult>;
  #end: (result: HandlerResult) => void = () => {};
  /** The handler's own promise, settled when it really returns or throws. */
  #returned: Promise<void> | undefined;
  /** performance.now() when the run ended without the handler (timeout, shutdown). */
  #stoppedAt: number | undefined;
  #handlerDone = false;

  constructor(init: RunningJobInit, logger: LevelLogger) {
    this.jobId = init.jobId;
    this.jobName = init.jobName;
    this.attempt = init.attempt;
    this.maxAttempts = init.maxAttempts;
    this.messageId = init.messageId;
    this.queueUrl = init.queueUrl;
    this.timeoutSeconds = init.timeoutSeconds;
    this.enqueuedAt = new Date(init.enqueuedAt);
    this.logger = logger.child({
      job: init.jobName,
      jobId: init.jobId,
      messageId: init.messageId,
      attempt: init.attempt,
    });
    this.#baseLogger = logger;
    ({
      send: this.send,
      sendBatch: this.sendBatch,
      flow: this.flow,
      childResults: this.childResults,
    } = init.flow);
    this.#result = new Promise((resolve) => {
      this.#end = resolve;
    });
  }

  /**
   * While the handler still works after its run ended (a timeout, or a shutdown): settles when it
   * returns or throws. JavaScript cannot stop it, so what it holds (concurrency slots) is kept
   * until then.
   */
  get stillRunning(): Promise<void> | undefined {
    return this.#handlerDone ? undefined : this.#returned;
  }

  /**
   * Runs the handler and resolves with how it ended: when it returns or throws, or at the job's
   * timeout (the handler's promise is then abandoned and its signal aborted), or at {@link abandon}.
   */
  async run(handler: () => unknown): Promise<HandlerResult> {
    const timer = setTimeout(() => {
      if (this.#handlerDone) return;
      const error = new JobTimeoutError(this.jobName, this.timeoutSeconds);
      this.#stop({ kind: "failed", error }, error);
      this.#baseLogger.warn(
        "sqs-jobs: job ran past its timeoutSeconds; the attempt failed and its signal aborted; until the handler returns, the run keeps any concurrency slot it holds",
        {
          jobName: this.jobName,
          jobId: this.jobId,
          messageId: this.messageId,
          timeoutSeconds: this.timeoutSeconds,
        },
      );
    }, this.timeoutSeconds * 1000);
    this.#returned = this.#follow(handler);
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
      this.#end({ kind: "succeeded", value: await handler() });
    } catch (error) {
      this.#end({ kind: "failed", error });
    }
    this.#handlerDone = true;
    if (this.#stoppedAt !== undefined) {
      this.#baseLogger.info(
        "sqs-jobs: a timed-out or abandoned handler returned at last, afterMs after its run ended; any concurrency slot it kept is freed now",
        {
          jobName: this.jobName,
          jobId: this.jobId,
          messageId: this.messageId,
          afterMs: Math.round(performance.now() - this.#stoppedAt),
        },
      );
    }
  }

  #stop(result: HandlerResult, reason: unknown): void {
    if (!this.#handlerDone) this.#stoppedAt ??= performance.now();
    this.#end(result);
    this.#controller.abort(reason);
  }
}
