/**
 * Runs inside a worker thread: one per local function, like one Lambda execution environment.
 * The thread has its own `process.env` (the function's resolved environment), imports the
 * bundled handler once (a cold start), then runs invocations as the parent sends them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";

interface HostData {
  readonly codeDir: string;
  readonly handler: string;
  readonly functionName: string;
  readonly memoryMb: number;
  readonly region: string;
}

export interface InvokeRequest {
  readonly id: number;
  readonly event: unknown;
  readonly deadline: number;
}

export type InvokeReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly errorType: string; readonly errorMessage: string };

type Handler = (event: unknown, context: unknown) => unknown;

const data = workerData as HostData;
const port = parentPort;

async function loadHandler(): Promise<Handler> {
  const dot = data.handler.lastIndexOf(".");
  const file = data.handler.slice(0, dot);
  const exportName = data.handler.slice(dot + 1);
  const candidates = [".mjs", ".js", ".cjs"].map((ext) => join(data.codeDir, file + ext));
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`no ${file}.mjs/.js/.cjs in ${data.codeDir}`);
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const fn = mod[exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[exportName];
  if (typeof fn !== "function") throw new Error(`${path} exports no function "${exportName}"`);
  return fn as Handler;
}

const ready = loadHandler();
let requestCount = 0;

function context(deadline: number) {
  requestCount++;
  return {
    functionName: data.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${data.region}:000000000000:function:${data.functionName}`,
    memoryLimitInMB: String(data.memoryMb),
    awsRequestId: `local-${process.pid}-${requestCount}-${Date.now()}`,
    logGroupName: `/aws/lambda/${data.functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

port?.on("message", (request: InvokeRequest) => {
  ready
    .then((handler) => handler(request.event, context(request.deadline)))
    .then(
      (result) => port.postMessage({ id: request.id, ok: true, result } satisfies InvokeReply),
      (error: unknown) =>
        port.postMessage({
          id: request.id,
          ok: false,
          errorType: error instanceof Error ? error.name : "Error",
          errorMessage: error instanceof Error ? error.message : String(error),
        } satisfies InvokeReply),
    );
});
