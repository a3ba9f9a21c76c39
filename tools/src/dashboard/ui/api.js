// The dashboard's API client. Every URL is relative to the page, so the same page works at the
// base path of `sqs-jobs dashboard` and under `sqs-jobs dev`'s mount.
import { currentToken } from "./token.js";

/** An answer that is not 2xx, with the server's error code and sentence. */
class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server did not answer
   * @param {string} code e.g. `QUEUE_NOT_FOUND`, `TOKEN_REQUIRED`, `NETWORK`
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/**
 * `api/<path>?<query>`, with empty query values left out.
 * @param {string} path e.g. `queues/reports/dlq`
 * @param {Record<string, string | number | undefined | null>} [query]
 */
function apiUrl(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return `api/${path}${search === "" ? "" : `?${search}`}`;
}

/**
 * @param {string} path
 * @param {Record<string, string | number | undefined | null>} [query]
 */
export function getJson(path, query) {
  return request(apiUrl(path, query), { method: "GET" });
}

/**
 * @param {string} path
 * @param {unknown} body
 */
export function postJson(path, body) {
  return request(apiUrl(path), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/**
 * @param {string} url
 * @param {RequestInit} init
 */
async function request(url, init) {
  const token = currentToken();
  // The token goes with every call: reads ignore it, actions and a payload peek need it.
  const headers = { ...init.headers, ...(token === null ? {} : { "x-sqs-jobs-token": token }) };
  let response;
  try {
    response = await fetch(url, { ...init, headers, cache: "no-store" });
  } catch {
    throw new ApiError(
      0,
      "NETWORK",
      "The dashboard's server does not answer. Is sqs-jobs dashboard (or sqs-jobs dev) still running?",
    );
  }
  const text = await response.text();
  /** @type {any} */
  let body = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    // A refusal by Host/Origin is plain text: show it as it is.
  }
  if (!response.ok) {
    const error = body?.error;
    throw new ApiError(
      response.status,
      typeof error?.code === "string" ? error.code : `HTTP_${response.status}`,
      typeof error?.message === "string" ? error.message : text.slice(0, 300) || response.statusText,
    );
  }
  return body;
}
