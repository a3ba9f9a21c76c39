import { randomUUID } from "node:crypto";
import { type InvokeOutcome, type LocalFunction, timedOut } from "./function-runtime.ts";
import { lambdaContext } from "./lambda-context.ts";

/** A Lambda handler as a module exports it. */
export type LambdaHandler = (event: never, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/**
 * A function whose handler runs in this process, for tests: no worker thread, no bundle, and the
 * handler shares the test's module state (a fake it records into, a clock it mocks). What a worker
 * thread gives and this does not: an environment of its own per invocation, and an end to a
 * handler that overruns its timeout (the invocation fails with Lambda's timeout error, but the
 * handler's promise runs on: pass `ctx.signal` on, as on Lambda).
 */
export class InProcessFunction implements LocalFunction {
  readonly options: LocalFunction["options"];
  readonly #handler: LambdaHandler;
  readonly #region: string;
  readonly #onStop: (() => void) | undefined;

  constructor(options: {
    readonly name: string;
    readonly timeoutSeconds: number;
    readonly region: string;
    readonly handler: LambdaHandler;
    /** Called by `stop()`: release what the handler holds (its SDK clients). */
    readonly onStop?: () => void;
  }) {
    this.options = { name: options.name, handler: "index.handler", timeoutSeconds: options.timeoutSeconds };
    this.#handler = options.handler;
    this.#region = options.region;
    this.#onStop = options.onStop;
  }

  async invoke(event: unknown): Promise<InvokeOutcome> {
    const timeoutMs = this.options.timeoutSeconds * 1_000;
    const context = lambdaContext({
      functionName: this.options.name,
      region: this.#region,
      memoryMb: 128,
      requestId: randomUUID(),
      deadline: Date.now() + timeoutMs,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<InvokeOutcome>((resolve) => {
      timer = setTimeout(() => resolve(timedOut(this.options.timeoutSeconds)), timeoutMs);
    });
    const run = this.#handler(event as never, context).then(
      (result): InvokeOutcome => ({ ok: true, result }),
      (error: unknown): InvokeOutcome =>
        error instanceof Error
          ? { ok: false, errorType: error.name, errorMessage: error.message }
          : { ok: false, errorType: "Error", errorMessage: String(error) },
    );
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.#onStop?.();
  }
}
