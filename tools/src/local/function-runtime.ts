import { createInterface } from "node:readline";
import { Worker } from "node:worker_threads";
import type { InitDone, InvokeReply, InvokeRequest } from "./function-host.ts";

export interface FunctionRuntimeOptions {
  readonly name: string;
  readonly codeDir: string;
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly env: Record<string, string>;
  readonly region: string;
  /** Where `@aws-sdk/*` is found when the code does not bundle it. @default process.cwd() */
  readonly projectDir?: string;
  readonly onLog: (line: string) => void;
}

export type InvokeOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

/** What the event source pollers and the Lambda API drive: a worker-thread runtime or an in-process one. */
export interface LocalFunction {
  readonly options: Pick<FunctionRuntimeOptions, "name" | "handler" | "timeoutSeconds">;
  invoke(event: unknown): Promise<InvokeOutcome>;
  stop(): Promise<void>;
}

/** Lambda's answer for an invocation that overran the function's timeout. */
export function timedOut(timeoutSeconds: number): InvokeOutcome {
  return {
    ok: false,
    errorType: "Sandbox.Timedout",
    errorMessage: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
  };
}

// Source runs as .ts on Node 24 and as .js once built; the worker must load its sibling either way.
const HOST_URL = new URL(
  `./function-host${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

type Settle = (outcome: InvokeOutcome, reusable: boolean) => void;

/** Lambda gives a function's init phase (loading its code) up to 10 s, apart from its timeout. */
const INIT_LIMIT_MS = 10_000;

/**
 * A local function: worker threads holding the handler module with the function's own
 * environment, each one Lambda execution environment. As on Lambda, an environment runs one
 * invocation at a time: a concurrent invocation gets a warm idle environment or starts a new one
 * (a cold start), so module state is never shared between invocations in flight. A handler that
 * overruns its timeout, an unhandled rejection or an uncaught exception ends its environment:
 * that invocation fails, and the next one starts cold.
 */
export class FunctionRuntime implements LocalFunction {
  readonly options: FunctionRuntimeOptions;
  /** Warm environments with nothing in flight. */
  readonly #idle: Worker[] = [];
  readonly #all = new Set<Worker>();
  /** How to settle the invocation each busy environment runs. */
  readonly #busy = new Map<Worker, { readonly id: number; readonly settle: Settle }>();
  /** Settles when an environment's code has loaded (or failed to): its init phase is over. */
  readonly #initialized = new WeakMap<Worker, Promise<void>>();
  #nextId = 1;

  constructor(options: FunctionRuntimeOptions) {
    this.options = options;
  }

  #start(): Worker {
    const worker = new Worker(HOST_URL, {
      workerData: {
        codeDir: this.options.codeDir,
        handler: this.options.handler,
        functionName: this.options.name,
        memoryMb: 128,
        region: this.options.region,
        projectDir: this.options.projectDir ?? process.cwd(),
      },
      env: this.options.env,
      stdout: true,
      stderr: true,
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      createInterface({ input: stream }).on("line", (line) => this.options.onLog(line));
    }
    let initDone = () => {};
    const initialized = new Promise<void>((resolve) => {
      initDone = resolve;
    });
    // Past the init limit the invocation's clock starts anyway.
    const initLimit = setTimeout(() => initDone(), INIT_LIMIT_MS).unref();
    void initialized.then(() => clearTimeout(initLimit));
    this.#initialized.set(worker, initialized);
    worker.on("message", (reply: InvokeReply | InitDone) => {
      if ("init" in reply) {
        initDone();
        return;
      }
      const busy = this.#busy.get(worker);
      if (busy === undefined || busy.id !== reply.id) return;
      if (reply.ok) busy.settle({ ok: true, result: reply.result }, true);
      else
        busy.settle(
          { ok: false, errorType: reply.errorType, errorMessage: reply.errorMessage },
          !reply.exiting,
        );
    });
    const ended = (message: string) => {
      initDone();
      this.#forget(worker);
      this.#busy
        .get(worker)
        ?.settle({ ok: false, errorType: "Runtime.ExitError", errorMessage: message }, false);
    };
    worker.on("error", (error) => ended(`the function's environment crashed: ${error.message}`));
    worker.on("exit", (code) => ended(`the function's environment exited with code ${code}`));
    this.#all.add(worker);
    return worker;
  }

  #forget(worker: Worker): void {
    this.#all.delete(worker);
    const idle = this.#idle.indexOf(worker);
    if (idle !== -1) this.#idle.splice(idle, 1);
  }

  async invoke(event: unknown): Promise<InvokeOutcome> {
    const worker = this.#idle.pop() ?? this.#start();
    const id = this.#nextId++;
    const timeoutMs = this.options.timeoutSeconds * 1_000;
    // Held by this invocation while its code loads; an environment that dies meanwhile settles it.
    let diedInInit: InvokeOutcome | undefined;
    this.#busy.set(worker, {
      id,
      settle: (outcome) => {
        diedInInit = outcome;
      },
    });
    await this.#initialized.get(worker);
    if (diedInInit !== undefined) {
      this.#busy.delete(worker);
      return diedInInit;
    }
    return new Promise<InvokeOutcome>((resolve) => {
      const settle: Settle = (outcome, reusable) => {
        clearTimeout(timer);
        this.#busy.delete(worker);
        if (reusable) {
          this.#idle.push(worker);
        } else {
          // Lambda throws such an environment away; so do we.
          this.#forget(worker);
          void worker.terminate();
        }
        resolve(outcome);
      };
      const timer = setTimeout(() => settle(timedOut(this.options.timeoutSeconds), false), timeoutMs);
      this.#busy.set(worker, { id, settle });
      worker.postMessage({ id, event, deadline: Date.now() + timeoutMs } satisfies InvokeRequest);
    });
  }

  async stop(): Promise<void> {
    const workers = [...this.#all];
    this.#all.clear();
    this.#idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
