import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { refusalOf } from "../http/host-guard.ts";
import { listen } from "../http/listening.ts";
import { readBody, readBytes } from "../http/request-body.ts";
import { requestUrl } from "../http/request-url.ts";
import { awsRuleViolation, isCheckedSend, violationResponse } from "./aws-rules.ts";
import { handleDurableCallbackApi, isDurableCallbackPath } from "./durable-callback-api.ts";
import type { LocalDurableCallbacks } from "./durable-callbacks.ts";
import { isDynamoDbRequest, type LocalDynamoDb } from "./dynamodb.ts";
import { handleLambdaApi, isLambdaApiPath, type LambdaApiTarget } from "./lambda-api.ts";
import { type ApiResponse, jsonResponse } from "./local-request.ts";
import { handsOutQueueUrls, pathStyleQueueUrls } from "./queue-urls.ts";
import { type MeteredRequest, meterRequest } from "./request-meter.ts";
import type { LocalScheduler } from "./scheduler.ts";
import { handleSchedulerApi, isSchedulerRequest } from "./scheduler-api.ts";

/**
 * One endpoint for every AWS client, as LocalStack gives: Lambda and Scheduler API paths are answered here,
 * DynamoDB calls go to dynalite, everything else (SQS, SNS, S3) is passed to fauxqs, Host header
 * included. Requests for a host
 * that is not this machine, and browser requests from other sites, are refused with 403.
 * The queue URLs it hands out are path-style on the address the client used
 * (`http://127.0.0.1:4566/000000000000/reports`), so a default SDK client or the AWS CLI can use
 * them where `*.localhost` names (fauxqs's `sqs.us-east-1.localhost`) do not resolve.
 */
export async function startFrontServer(options: {
  host: string;
  port: number;
  backendPort: number;
  dynamodb: Pick<LocalDynamoDb, "handle">;
  lambda: () => LambdaApiTarget;
  /** Where Lambda's durable callback completions are recorded. */
  callbacks: LocalDurableCallbacks;
  /** EventBridge Scheduler calls (and the local clock route) go here once it exists. */
  scheduler?: () => LocalScheduler | undefined;
  /** The local clock route's work: the stack's one clock (LocalServices.advanceClock). */
  advanceClock?: (ms: unknown) => Promise<Date>;
  /** Handlers by path prefix (ending in "/"), looked up on each request: entries may come later. */
  mounts?: ReadonlyMap<string, MountedHandler>;
  /** Sees every other AWS call made to the endpoint, before it is served (the cost bench counts them). */
  onRequest?: (request: MeteredRequest) => void;
}): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    const refusal = refusalOf(req.headers, options.host);
    if (refusal !== undefined) {
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8" }).end(`${refusal}\n`);
      req.resume();
      return;
    }
    const url = requestUrl(req, res);
    if (url === undefined) return;
    if (options.mounts !== undefined && serveMounted(options.mounts, url.pathname, req, res)) return;
    if (isDynamoDbRequest(req.headers)) {
      // Metered where its body is read: a write's units depend on its items.
      options.dynamodb.handle(req, res);
      return;
    }
    options.onRequest?.(meterRequest(req.method ?? "GET", url.pathname, req.headers));
    const scheduler = options.scheduler?.();
    if (scheduler !== undefined && isSchedulerRequest(url.pathname, req.headers)) {
      readBody(req)
        .then((body) =>
          handleSchedulerApi(
            { scheduler, advanceClock: options.advanceClock ?? ((ms) => scheduler.advance(ms)) },
            req.method ?? "GET",
            url,
            body,
            req.socket.remoteAddress,
          ),
        )
        .then(
          (answer) => send(res, answer),
          // Not bad input (that is a 400 above): a fault of the local API itself.
          (error: unknown) =>
            send(res, jsonResponse(500, { Message: String(error) }, "InternalServerException")),
        );
      return;
    }
    if (isLambdaApiPath(url.pathname)) {
      readBody(req)
        .then((body) => handleLambdaApi(options.lambda(), req.method ?? "GET", url, body, req.headers))
        .then(
          (answer) => send(res, answer),
          (error: unknown) =>
            send(res, jsonResponse(500, { Type: "Service", message: String(error) }, "ServiceException")),
        );
      return;
    }
    if (isDurableCallbackPath(url.pathname)) {
      readBody(req)
        .then((body) => handleDurableCallbackApi(options.callbacks, req.method ?? "GET", url, body))
        .then(
          (answer) => send(res, answer),
          (error: unknown) =>
            send(res, jsonResponse(500, { Type: "Service", message: String(error) }, "ServiceException")),
        );
      return;
    }
    const target = req.headers["x-amz-target"];
    if (typeof target === "string" && isCheckedSend(target)) {
      // What SQS would refuse is refused here, before fauxqs, which would take it.
      readBytes(req).then(
        (bytes) => {
          const violation = awsRuleViolation(target, parseJson(bytes));
          if (violation === undefined) {
            forward(req, res, options.backendPort, bytes);
            return;
          }
          const answer = violationResponse(violation);
          res.writeHead(answer.status, answer.headers).end(answer.body);
        },
        () => res.destroy(),
      );
      return;
    }
    forward(req, res, options.backendPort);
  });
  server.keepAliveTimeout = 65_000;
  await listen(server, {
    host: options.host,
    port: options.port,
    inUse: "(LocalStack, or another sqs-jobs dev?); stop it or pass --port",
  });
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://${options.host}:${port}` };
}

/** Writes an answer of a local API (a client that went away meanwhile gets nothing). */
function send(res: ServerResponse, answer: ApiResponse): void {
  if (res.headersSent) return;
  res.writeHead(answer.status, answer.headers).end(answer.body);
}

/** A handler served under a path prefix; `path` is what follows the prefix, without a leading "/". */
export type MountedHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void;

/** Serves the request if its path is under a mount; returns whether it did. */
function serveMounted(
  mounts: ReadonlyMap<string, MountedHandler>,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  for (const [prefix, handler] of mounts) {
    if (pathname === prefix.slice(0, -1)) {
      req.resume();
      res.writeHead(308, { location: prefix }).end();
      return true;
    }
    if (pathname.startsWith(prefix)) {
      handler(req, res, pathname.slice(prefix.length));
      return true;
    }
  }
  return false;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Passes a request to fauxqs (its body read already, or still to stream) and its answer back. */
function forward(req: IncomingMessage, res: ServerResponse, backendPort: number, bytes?: Buffer): void {
  const upstream = request(
    {
      host: "127.0.0.1",
      port: backendPort,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (answer) => {
      if (handsOutQueueUrls(req.headers) && req.headers.host !== undefined) {
        const host = req.headers.host;
        readBody(answer).then(
          (body) => {
            const out = pathStyleQueueUrls(body, host);
            // The body changed length: its framing headers are the upstream's no longer.
            const { "content-length": _length, "transfer-encoding": _chunked, ...headers } = answer.headers;
            res
              .writeHead(answer.statusCode ?? 502, {
                ...headers,
                "content-length": String(Buffer.byteLength(out)),
              })
              .end(out);
          },
          () => res.destroy(),
        );
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (error) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`local SQS emulator unreachable: ${error.message}`);
  });
  // A client that gives up (an aborted long poll) must not leave fauxqs holding a receive that
  // would take messages nobody reads.
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  if (bytes === undefined) req.pipe(upstream);
  else upstream.end(bytes);
}
