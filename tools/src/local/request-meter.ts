import type { IncomingHttpHeaders } from "node:http";
import { LEDGER_KEY, LIST_INDEX_KEY, LIST_INDEX_SORT } from "sqs-jobs/internal/ledger/table-layout";

/** An AWS call as the local endpoint saw it: what a bill counts. */
export interface MeteredRequest {
  readonly service: "sqs" | "dynamodb" | "scheduler" | "lambda" | "s3" | "sns" | "other";
  /** The API action: `SendMessageBatch`, `PutItem`, `CreateSchedule`, `Invoke`, `PutObject`... */
  readonly action: string;
  /** The request body's size (its Content-Length): SQS and SNS bill each 64 KiB of it as one request. */
  readonly bytes: number;
  /** The SDK's user agent: it names the caller's app id (`app/<id>`) when the client set one. */
  readonly userAgent: string;
  /** DynamoDB writes: the table's write units (see {@link meterDynamoDbRequest}). */
  readonly writeUnits?: number;
  /** DynamoDB writes: the list index's write units. */
  readonly indexWrites?: number;
}

/**
 * Names the AWS call a request to the local endpoint makes, from what any SDK puts on the wire:
 * `X-Amz-Target` for the JSON protocols (SQS, DynamoDB), the credential scope and REST path for
 * Scheduler, Lambda and S3, the `Action` of a query-protocol form (SNS). The cost bench
 * (bench/cost) counts these; nothing here reads or changes the body.
 */
export function meterRequest(method: string, pathname: string, headers: IncomingHttpHeaders): MeteredRequest {
  const bytes = Number(headers["content-length"] ?? 0) || 0;
  const userAgent = userAgentOf(headers);
  const target = headers["x-amz-target"];
  if (typeof target === "string") {
    const [prefix = "", action = ""] = target.split(".", 2);
    if (prefix === "AmazonSQS") return { service: "sqs", action, bytes, userAgent };
    if (prefix.startsWith("DynamoDB")) return { service: "dynamodb", action, bytes, userAgent };
    return { service: "other", action: target, bytes, userAgent };
  }
  const scope = credentialScopeService(headers.authorization);
  if (pathname.startsWith("/2015-03-31/functions/") && pathname.endsWith("/invocations")) {
    return { service: "lambda", action: "Invoke", bytes, userAgent };
  }
  if (scope === "scheduler")
    return { service: "scheduler", action: schedulerAction(method), bytes, userAgent };
  if (scope === "s3") return { service: "s3", action: s3Action(method, pathname), bytes, userAgent };
  if (scope === "sns") return { service: "sns", action: "Publish", bytes, userAgent };
  return { service: "other", action: `${method} ${pathname.split("/")[1] ?? ""}`, bytes, userAgent };
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/scheduler/aws4_request, ...` -> `scheduler`. */
function credentialScopeService(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? "")?.[1];
}

function schedulerAction(method: string): string {
  if (method === "POST") return "CreateSchedule";
  if (method === "DELETE") return "DeleteSchedule";
  if (method === "PUT") return "UpdateSchedule";
  return "GetSchedule";
}

function s3Action(method: string, pathname: string): string {
  const isObject = pathname.split("/").filter((part) => part !== "").length > 1;
  if (!isObject) return method === "PUT" ? "CreateBucket" : "ListObjects";
  if (method === "PUT") return "PutObject";
  if (method === "DELETE") return "DeleteObject";
  if (method === "HEAD") return "HeadObject";
  return "GetObject";
}

/** The ledger's list index keys: a write that sets them also writes the index (docs/ledger.md). */
const INDEX_KEYS = [LIST_INDEX_KEY, LIST_INDEX_SORT];

/**
 * A DynamoDB call with the units it is billed (on-demand): every item written is a write unit per
 * KB (ledger items stay under 1 KB: bench/cost checks), an item of a transaction two, and a
 * write that sets the list index's keys writes the index too: a put that carries them one unit, an
 * update of a job item that changes them two (the old index entry deleted, the new one written;
 * only job items are in the index). A read is counted as a
 * request; its units are not modelled (getJob and waitFor are the user's choice, not per job).
 */
export function meterDynamoDbRequest(
  action: string,
  body: string,
  headers: IncomingHttpHeaders,
): MeteredRequest {
  const bytes = Buffer.byteLength(body);
  const userAgent = userAgentOf(headers);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { service: "dynamodb", action, bytes, userAgent };
  }
  const writes = writesOf(action, parsed);
  if (writes === undefined) return { service: "dynamodb", action, bytes, userAgent };
  return {
    service: "dynamodb",
    action,
    bytes,
    userAgent,
    writeUnits: writes.reduce((sum, w) => sum + w.units, 0),
    indexWrites: writes.reduce((sum, w) => sum + w.index, 0),
  };
}

interface Write {
  readonly units: number;
  readonly index: number;
}

function writesOf(action: string, body: Record<string, unknown>): Write[] | undefined {
  switch (action) {
    case "PutItem":
      return [putWrite(body.Item, 1)];
    case "UpdateItem":
      return [updateWrite(body, 1)];
    case "DeleteItem":
      return [{ units: 1, index: 0 }];
    case "BatchWriteItem":
      return Object.values((body.RequestItems ?? {}) as Record<string, { PutRequest?: { Item?: unknown } }[]>)
        .flat()
        .map((request) =>
          request.PutRequest === undefined ? { units: 1, index: 0 } : putWrite(request.PutRequest.Item, 1),
        );
    case "TransactWriteItems":
      return ((body.TransactItems ?? []) as Record<string, Record<string, unknown>>[]).map((item) =>
        item.Put !== undefined
          ? putWrite(item.Put.Item, 2)
          : item.Update !== undefined
            ? updateWrite(item.Update, 2)
            : { units: 2, index: 0 },
      );
    default:
      return undefined;
  }
}

const putWrite = (item: unknown, units: number): Write => ({
  units,
  index: typeof item === "object" && item !== null && LIST_INDEX_KEY in item ? 1 : 0,
});

function updateWrite(update: Record<string, unknown>, units: number): Write {
  const key = (update.Key as Record<string, { S?: string }> | undefined)?.[LEDGER_KEY]?.S ?? "";
  const expression = typeof update.UpdateExpression === "string" ? update.UpdateExpression : "";
  const movesIndex = key.startsWith("job#") && INDEX_KEYS.some((name) => expression.includes(name));
  return { units, index: movesIndex ? 2 : 0 };
}

function userAgentOf(headers: IncomingHttpHeaders): string {
  return [headers["user-agent"], headers["x-amz-user-agent"]].filter((h) => typeof h === "string").join(" ");
}
