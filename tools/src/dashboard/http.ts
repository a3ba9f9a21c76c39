import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, readBytes } from "../http/request-body.ts";
import { badRequest, DashboardRequestError } from "./api-error.ts";

/** Headers on every answer: no MIME sniffing, no referrer carrying a URL elsewhere. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** An API answer: JSON, never cached (queue depths and tokens must not linger in a cache). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res
    .writeHead(status, {
      ...COMMON_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "content-length": String(Buffer.byteLength(body)),
    })
    .end(body);
}

export function sendError(res: ServerResponse, error: DashboardRequestError): void {
  sendJson(res, error.status, { error: { code: error.apiCode, message: error.message } });
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, "content-type": "text/plain; charset=utf-8" }).end(`${text}\n`);
}

/** Largest request body read: action bodies are a few ids or a filter. */
const MAX_BODY_BYTES = 1_048_576;

/**
 * A request's JSON object body; an empty body is `{}`.
 *
 * @throws {DashboardRequestError} 413 past {@link MAX_BODY_BYTES}, 400 when not a JSON object
 */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let bytes: Buffer;
  try {
    bytes = await readBytes(req, { maxBytes: MAX_BODY_BYTES });
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      throw new DashboardRequestError(413, "BODY_TOO_LARGE", error.message);
    throw error;
  }
  const text = bytes.toString("utf8").trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest(`the request body is not JSON (${text.length} characters); send a JSON object`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("the request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}
