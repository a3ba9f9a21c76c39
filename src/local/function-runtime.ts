import { createInterface } from "node:readline";
import { Worker } from "node:worker_threads";
import type { InvokeReply, InvokeRequest } from "./function-host.ts";

export interface FunctionRuntimeOptions {
  readonly name: string;
  readonly codeDir: string;
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly env: Record<string, string>;
  readonly region: string;
  readonly onLog: (line: string) => void;
}

export type InvokeOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

// Source runs as .ts on Node 24 and as .js once built; the worker must load its sibling either way.
const HOST_URL = new URL(
  `./function-host${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

/**
 * A local function: a worker thread holding the handler module with the function's own
 * environment. A handler that overruns its timeout ends its environment, as on Lambda: the
 * invocation fails with a timeout and the next one starts cold.
 */
export class FunctionRuntime {
  readonly options: FunctionRuntimeOptions;
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<
    number,
    { readonly worker: Worker; readonly resolve: (o: InvokeOutcome) => void }
  >();

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
      },
      env: this.options.env,
      stdout: true,
      stderr: true,
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      createInterface({ input: stream }).on("line", (line) => this.options.onLog(line));
    }
    worker.on("message", (reply: InvokeReply) => {
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      pending?.resolve(reply.ok ? { ok: true, result: reply.result } : reply);
    });
    const failAll = (message: string) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, pending] of this.#pending) {
        if (pending.worker !== worker) continue;
        this.#pending.delete(id);
        pending.resolve({ ok: false, errorType: "Runtime.ExitError", errorMessage: message });
      }
    };
    worker.on("error", (error) => failAll(`the function's environment crashed: ${error.message}`));
    worker.on("exit", (code) => failAll(`the function's environment exited with code ${code}`));
    this.#worker = worker;
    return worker;
  }

  invoke(event: unknown): Promise<InvokeOutcome> {
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    const timeoutMs = this.options.timeoutSeconds * 1_000;
    return new Promise<InvokeOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (!this.#pending.has(id)) return;
        this.#pending.delete(id);
        resolve({
          ok: false,
          errorType: "Sandbox.Timedout",
          errorMessage: `Task timed out after ${this.options.timeoutSeconds.toFixed(2)} seconds`,
        });
        // Lambda throws the environment away after a timeout; so do we.
        if (this.#worker === worker) this.#worker = undefined;
        void worker.terminate();
      }, timeoutMs);
      this.#pending.set(id, {
        worker,
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      });
      worker.postMessage({ id, event, deadline: Date.now() + timeoutMs } satisfies InvokeRequest);
    });
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }
}
