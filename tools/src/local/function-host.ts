/**
 * Runs inside a worker thread: one Lambda execution environment of a local function. The thread
 * has its own `process.env` (the function's resolved environment), imports the bundled handler
 * once (a cold start), then runs the invocations the parent sends it, one at a time.
 */
import { existsSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { lambdaContext } from "./lambda-context.ts";
import { provideAwsSdk } from "./provided-sdk.ts";

interface HostData {
  readonly codeDir: string;
  readonly handler: string;
  readonly functionName: string;
  readonly memoryMb: number;
  readonly region: string;
  /** The project whose installed `@aws-sdk/*` clients stand in for the runtime's. */
  readonly projectDir: string;
}

export interface InvokeRequest {
  readonly id: number;
  readonly event: unknown;
  readonly deadline: number;
}

/** Sent once, when the handler module has loaded or failed to. */
export interface InitDone {
  readonly init: true;
}

export type InvokeReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly errorType: string;
      readonly errorMessage: string;
      /** The environment exits after this reply: never send it another invocation. */
      readonly exiting?: boolean;
    };

type Handler = (event: unknown, context: unknown) => unknown;

const data = workerData as HostData;
const port = parentPort;
// A cold environment spends most of its start compiling the bundle and the AWS SDK it loads.
// Node's compile cache (NODE_COMPILE_CACHE, else under the system's temporary directory) keeps the
// compiled code between environments and runs; it shares no module state: each environment still
// evaluates every module anew, as on Lambda. It applies to this thread only.
enableCompileCache();
provideAwsSdk(data.projectDir);

async function loadHandler(): Promise<Handler> {
  const dot = data.handler.lastIndexOf(".");
  const file = data.handler.slice(0, dot);
  const exportName = data.handler.slice(dot + 1);
  // The order Lambda's Node.js runtime tries; the module type of each comes from Node's own rules
  // in the code's root (see code-root.ts): .mjs ESM, .cjs CommonJS, .js as its package.json says.
  const candidates = [".js", ".mjs", ".cjs"].map((ext) => join(data.codeDir, file + ext));
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`no ${file}.mjs/.js/.cjs in ${data.codeDir}`);
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const fn = mod[exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[exportName];
  if (typeof fn !== "function") throw new Error(`${path} exports no function "${exportName}"`);
  return fn as Handler;
}

const ready = loadHandler();
// The init phase is over, loaded or not: the parent starts the invocation's clock only now, as
// Lambda times its init phase apart from the invocation. A failure is reported to the invocation
// that waits for it (below), not as an unhandled rejection.
ready.then(
  () => port?.postMessage({ init: true } satisfies InitDone),
  () => port?.postMessage({ init: true } satisfies InitDone),
);
let requestCount = 0;

function context(deadline: number) {
  requestCount++;
  return lambdaContext({
    functionName: data.functionName,
    region: data.region,
    memoryMb: data.memoryMb,
    requestId: `local-${process.pid}-${requestCount}-${Date.now()}`,
    deadline,
  });
}

/** The invocation in flight, if any. */
let current: number | undefined;

function describeError(error: unknown): { errorType: string; errorMessage: string } {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message }
    : { errorType: "Error", errorMessage: String(error) };
}

/**
 * Fails the invocation in flight and exits the thread, so the parent starts the next invocation
 * in a fresh environment: what Lambda's Node.js runtime does with an error nobody handled.
 */
function endEnvironment(
  label: string,
  error: { errorType: string; errorMessage: string },
  code: number,
): never {
  console.error(label, error.errorMessage);
  if (current !== undefined) {
    port?.postMessage({ id: current, ok: false, ...error, exiting: true } satisfies InvokeReply);
  }
  process.exit(code);
}

// The runtime listens for both events (left to Node, the thread would just crash). It wraps an
// unhandled rejection's reason: the message is String(reason), e.g. "Error: boom".
process.on("unhandledRejection", (reason) =>
  endEnvironment(
    "Unhandled Promise Rejection",
    { errorType: "Runtime.UnhandledPromiseRejection", errorMessage: String(reason) },
    128,
  ),
);
process.on("uncaughtException", (error) => endEnvironment("Uncaught Exception", describeError(error), 129));

/**
 * Replies on the next turn of the event loop, as the runtime posts a result after a
 * `setImmediate`: a rejection left behind in the handler's last tick still fails the invocation.
 */
function reply(message: InvokeReply): void {
  setImmediate(() => {
    current = undefined;
    port?.postMessage(message);
  });
}

port?.on("message", (request: InvokeRequest) => {
  current = request.id;
  ready.then(
    async (handler) => {
      try {
        reply({ id: request.id, ok: true, result: await handler(request.event, context(request.deadline)) });
      } catch (error) {
        reply({ id: request.id, ok: false, ...describeError(error) });
      }
    },
    // Code that cannot load ends its environment too, so the next invocation loads it again.
    (error: unknown) => endEnvironment("Init Error", describeError(error), 1),
  );
});
