import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createProxyServer } from "http-proxy-3";

/**
 * What the proxy may do to one request. Rates are probabilities in 0..1, drawn once per request
 * in this order; their sum must stay <= 1. Errors take the shape of the service the request is
 * for (SQS or DynamoDB, told apart by its `x-amz-target`).
 */
export interface FaultRates {
  /** Answer 400 with the service's throttling error, without forwarding (it did nothing). */
  readonly throttle?: number;
  /** Answer 500 (SQS InternalError, DynamoDB InternalServerError) without forwarding. */
  readonly error500?: number;
  /** Answer 503 ServiceUnavailable without forwarding. */
  readonly error503?: number;
  /**
   * Answer 403 AccessDenied (DynamoDB: 400 AccessDeniedException) without forwarding: a final
   * refusal, as for a missing IAM permission or a KMS key the caller may not use.
   */
  readonly deny?: number;
  /** Destroy the client's socket before forwarding: the service never saw the request. */
  readonly resetBefore?: number;
  /**
   * Forward, let the service act, then destroy the client's socket before the answer reaches it:
   * the client cannot know the service acted, which is where real duplicates come from.
   */
  readonly resetAfter?: number;
  /**
   * SQS only: forward, let SQS act, then replace every MD5OfMessageBody in the answer with a
   * wrong digest: the client must refuse the answer although SQS stored the message.
   */
  readonly badDigest?: number;
  /** Added latency for every request, in ms (uniform in 0..latencyMs). */
  readonly latencyMs?: number;
}

export type FaultKind =
  | "throttle"
  | "error500"
  | "error503"
  | "deny"
  | "resetBefore"
  | "resetAfter"
  | "badDigest";

export interface FaultProxyOptions {
  /** Where SQS (fauxqs) and DynamoDB (dynalite) listen, e.g. http://127.0.0.1:4566. */
  readonly target: string;
  /** PRNG seed: the same seed and request order replay the same faults. @default 1 */
  readonly seed?: number;
  /**
   * Rates per action, SQS's ("SendMessageBatch") or DynamoDB's ("UpdateItem"): the names do not
   * overlap. "*" is for every other action.
   */
  readonly rates?: Readonly<Record<string, FaultRates>>;
  /**
   * The throttling error code to answer with. SQS's JSON protocol reports it both in `__type` and
   * in the `x-amzn-query-error` header (the query-compatible code the SDK exposes).
   * @default "RequestThrottled"
   */
  readonly throttleCode?: "RequestThrottled" | "ThrottlingException";
  /**
   * DynamoDB's throttling error: ProvisionedThroughputExceededException (a table or index over
   * its capacity) or ThrottlingException (the control plane, or on-demand over the account's
   * limits). The SDK retries both with backoff.
   * @default "ProvisionedThroughputExceededException"
   */
  readonly dynamoDbThrottleCode?: "ProvisionedThroughputExceededException" | "ThrottlingException";
  /**
   * Inject at most this many faults in all, then forward every request untouched: with a rate of
   * 1, `maxFaults: 1` breaks exactly the first call, and lets the client's retry through.
   * @default no limit
   */
  readonly maxFaults?: number;
}

/** Counts per action of what the proxy did: forwarded untouched, or which fault it injected. */
export type FaultCounts = Record<string, Record<FaultKind | "forwarded", number>>;

export interface FaultProxy {
  /**
   * http://127.0.0.1:<port>, to pass as an SQSClient endpoint with useQueueUrlAsEndpoint: false,
   * or as a DynamoDBClient endpoint.
   */
  readonly endpoint: string;
  readonly counts: FaultCounts;
  /** Replaces the rates (e.g. to heal the network before draining). */
  setRates(rates: Readonly<Record<string, FaultRates>>): void;
  /** Sum of one fault kind over every action, or over one service's. */
  total(kind: FaultKind | "forwarded", service?: Service): number;
  close(): Promise<void>;
}

/** mulberry32: a tiny, well-spread 32-bit PRNG; enough to make fault sequences replayable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type Service = "sqs" | "dynamodb";

/**
 * Both SDKs speak a JSON protocol that names the call in `x-amz-target`:
 * "AmazonSQS.SendMessageBatch" -> SendMessageBatch, "DynamoDB_20120810.UpdateItem" -> UpdateItem.
 */
function callOf(req: IncomingMessage): { service: Service; action: string } {
  const target = req.headers["x-amz-target"];
  const value = Array.isArray(target) ? target[0] : target;
  if (value === undefined) return { service: "sqs", action: "unknown" };
  const dot = value.indexOf(".");
  return {
    service: value.slice(0, dot).startsWith("DynamoDB_") ? "dynamodb" : "sqs",
    action: value.slice(dot + 1),
  };
}

const FAULT_ORDER: readonly FaultKind[] = [
  "throttle",
  "error500",
  "error503",
  "deny",
  "resetBefore",
  "resetAfter",
  "badDigest",
];

function pickFault(rates: FaultRates, draw: number): FaultKind | undefined {
  let edge = 0;
  for (const kind of FAULT_ORDER) {
    edge += rates[kind] ?? 0;
    if (draw < edge) return kind;
  }
  return undefined;
}

/**
 * An error as the service answers it. SQS (JSON protocol, query-compatible) also names the code
 * in `x-amzn-query-error`; DynamoDB (JSON 1.0) names it in `__type` only, under its API version's
 * namespace (docs: "Error handling with DynamoDB").
 */
function sendJsonError(
  res: ServerResponse,
  service: Service,
  status: number,
  code: string,
  fault: "Sender" | "Receiver",
) {
  const namespace = service === "sqs" ? "com.amazonaws.sqs" : "com.amazonaws.dynamodb.v20120810";
  const body = JSON.stringify({ __type: `${namespace}#${code}`, message: `injected ${code}` });
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    ...(service === "sqs" ? { "x-amzn-query-error": `${code};${fault}` } : {}),
    "x-amzn-requestid": "fault-proxy",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** The error codes each fault answers with, per service. */
function errorCodes(
  options: FaultProxyOptions,
): Record<Service, Record<"throttle" | "error500" | "error503" | "deny", string>> {
  return {
    sqs: {
      throttle: options.throttleCode ?? "RequestThrottled",
      error500: "InternalError",
      error503: "ServiceUnavailable",
      deny: "AccessDenied",
    },
    dynamodb: {
      throttle: options.dynamoDbThrottleCode ?? "ProvisionedThroughputExceededException",
      error500: "InternalServerError",
      error503: "ServiceUnavailable",
      deny: "AccessDeniedException",
    },
  };
}

/**
 * A fault-injecting HTTP proxy on loopback between an SQS client and fauxqs. It decides each
 * request's fate from a seeded PRNG, so a failing run replays with the same seed (given the same
 * request order; concurrency can reorder, so counts replay exactly only for serial clients).
 *
 * @example
 * const proxy = await startFaultProxy({ target: endpoint, rates: { SendMessageBatch: { throttle: 0.1 } } });
 * const sqs = new SQSClient({ endpoint: proxy.endpoint, useQueueUrlAsEndpoint: false });
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(options.seed ?? 1);
  let rates = options.rates ?? {};
  const counts: FaultCounts = {};
  const serviceOf = new Map<string, Service>();
  const codes = errorCodes(options);
  let faultsLeft = options.maxFaults ?? Number.POSITIVE_INFINITY;
  const count = (action: string, kind: FaultKind | "forwarded") => {
    counts[action] ??= {
      forwarded: 0,
      throttle: 0,
      error500: 0,
      error503: 0,
      deny: 0,
      resetBefore: 0,
      resetAfter: 0,
      badDigest: 0,
    };
    counts[action][kind]++;
  };

  // selfHandleResponse: we copy the emulator's answer ourselves, which lets a "reset after" fault
  // read the whole answer (so the service has certainly acted) and then drop the client's
  // connection instead.
  const proxy = createProxyServer({ target: options.target, selfHandleResponse: true });
  const resetAfter = new WeakSet<IncomingMessage>();
  const badDigest = new WeakSet<IncomingMessage>();
  proxy.on("proxyRes", (proxyRes, req, res) => {
    if (resetAfter.has(req)) {
      proxyRes.resume();
      proxyRes.on("end", () => req.socket.destroy());
      return;
    }
    if (badDigest.has(req)) {
      let text = "";
      proxyRes.setEncoding("utf8");
      proxyRes.on("data", (chunk: string) => {
        text += chunk;
      });
      proxyRes.on("end", () => {
        const body = text.replace(
          /"MD5OfMessageBody":"[0-9a-f]{32}"/g,
          `"MD5OfMessageBody":"${"0".repeat(32)}"`,
        );
        // The body changed: its length is new, and it goes out whole, not chunked.
        const headers = Object.entries(proxyRes.headers).filter(([name]) => name !== "transfer-encoding");
        res.writeHead(proxyRes.statusCode ?? 502, {
          ...Object.fromEntries(headers),
          "content-length": String(Buffer.byteLength(body)),
        });
        res.end(body);
      });
      return;
    }
    res.writeHead(proxyRes.statusCode ?? 502, proxyRes.headers);
    proxyRes.pipe(res);
  });
  proxy.on("error", (_error, _req, res) => {
    // fauxqs went away (an emulator restart test): the client sees a reset, as from a dead host.
    if ("destroy" in res) res.destroy();
  });

  const server: Server = createServer((req, res) => {
    const { service, action } = callOf(req);
    const actionRates = rates[action] ?? rates["*"] ?? {};
    // Drawn even past the limit, so the PRNG sequence does not depend on it.
    const drawn = pickFault(actionRates, random());
    const fault = faultsLeft > 0 ? drawn : undefined;
    if (fault !== undefined) faultsLeft--;
    const delay = (actionRates.latencyMs ?? 0) * random();
    const act = () => {
      serviceOf.set(action, service);
      if (fault !== undefined) count(action, fault);
      switch (fault) {
        case "resetBefore":
          req.socket.destroy();
          return;
        case "throttle":
          sendJsonError(res, service, 400, codes[service].throttle, "Sender");
          return;
        case "error500":
          sendJsonError(res, service, 500, codes[service].error500, "Receiver");
          return;
        case "error503":
          sendJsonError(res, service, 503, codes[service].error503, "Receiver");
          return;
        case "deny":
          sendJsonError(res, service, service === "sqs" ? 403 : 400, codes[service].deny, "Sender");
          return;
        case "resetAfter":
          resetAfter.add(req);
          proxy.web(req, res);
          return;
        case "badDigest":
          badDigest.add(req);
          proxy.web(req, res);
          return;
        default:
          count(action, "forwarded");
          proxy.web(req, res);
      }
    };
    if (fault === undefined || fault === "resetAfter" || fault === "badDigest") {
      if (delay > 0) setTimeout(act, delay);
      else act();
      return;
    }
    // Read the request to its end before answering, so the keep-alive connection stays usable.
    req.resume();
    req.on("end", () => setTimeout(act, delay));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    setRates(next) {
      rates = next;
    },
    total(kind, service) {
      return Object.entries(counts)
        .filter(([action]) => service === undefined || serviceOf.get(action) === service)
        .reduce((n, [, c]) => n + c[kind], 0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
