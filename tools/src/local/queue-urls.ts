import type { IncomingHttpHeaders } from "node:http";

/** The SQS actions whose answers carry queue URLs. */
const ACTIONS = new Set([
  "AmazonSQS.CreateQueue",
  "AmazonSQS.GetQueueUrl",
  "AmazonSQS.ListQueues",
  "AmazonSQS.ListDeadLetterSourceQueues",
]);

export function handsOutQueueUrls(headers: IncomingHttpHeaders): boolean {
  const target = headers["x-amz-target"];
  return typeof target === "string" && ACTIONS.has(target);
}

/**
 * `http://<host>/<account>/<name>` for a queue URL of any host: fauxqs stores
 * `http://sqs.us-east-1.localhost:PORT/...` (and, with persistence, the port of the run that made
 * the queue), a name that does not resolve on most machines. fauxqs finds a queue by the URL's
 * path, so the path-style URL names the same queue.
 */
export function pathStyleQueueUrl(url: string, host: string): string {
  try {
    return `http://${host}${new URL(url).pathname}`;
  } catch {
    return url;
  }
}

/** Rewrites the queue URLs of an SQS JSON answer (`QueueUrl`, `QueueUrls`, `queueUrls`). */
export function pathStyleQueueUrls(body: string, host: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  if (typeof parsed !== "object" || parsed === null) return body;
  const out: Record<string, unknown> = { ...parsed };
  for (const [key, value] of Object.entries(out)) {
    if (key === "QueueUrl" && typeof value === "string") out[key] = pathStyleQueueUrl(value, host);
    if ((key === "QueueUrls" || key === "queueUrls") && Array.isArray(value)) {
      out[key] = value.map((v) => (typeof v === "string" ? pathStyleQueueUrl(v, host) : v));
    }
  }
  return JSON.stringify(out);
}
