import { callbackIdProblem } from "sqs-jobs/internal/core/callback-id";
import { DURABLE_CALLBACK_RESULT_MAX_BYTES as RESULT_MAX_BYTES } from "sqs-jobs/internal/core/lambda-limits";
import { decodeSegment, members } from "./api-validation.ts";
import type { DurableCallbackCompletion, LocalDurableCallbacks } from "./durable-callbacks.ts";
import { type ApiResponse, jsonResponse } from "./local-request.ts";

const PREFIX = "/2025-12-01/durable-execution-callbacks/";

/** Lambda's callback calls: `POST .../{CallbackId}/succeed` and `/fail`, and our local read. */
export function isDurableCallbackPath(path: string): boolean {
  return path.startsWith(PREFIX);
}

const userError = (status: number, errorType: string, message: string): ApiResponse =>
  jsonResponse(status, { Type: "User", Message: message, message }, errorType);

/**
 * SendDurableExecutionCallbackSuccess and ...Failure as Lambda answers them: 200 with an empty
 * body, CallbackTimeoutException (400) for a callback already closed, a ValidationException for
 * a malformed id or a result over 256 KiB. `GET .../{CallbackId}` is ours, not Lambda's: the
 * recorded completion, for a test or a person looking at the local stack.
 */
export function handleDurableCallbackApi(
  callbacks: LocalDurableCallbacks,
  method: string,
  url: URL,
  body: string,
): ApiResponse {
  const [rawId = "", action, ...rest] = url.pathname.slice(PREFIX.length).split("/");
  const callbackId = decodeSegment(rawId) ?? "";
  const problem = callbackIdProblem(callbackId, "callbackId");
  if (problem !== undefined) return userError(400, "ValidationException", problem);
  if (rest.length > 0) return notImplemented(method, url);
  if (method === "GET" && (action === undefined || action === "")) {
    const completion = callbacks.get(callbackId);
    if (completion === undefined)
      return userError(404, "ResourceNotFoundException", "no completion of this callback was recorded");
    return jsonResponse(200, completion);
  }
  if (method !== "POST") return notImplemented(method, url);
  let completion: DurableCallbackCompletion;
  if (action === "succeed") {
    if (Buffer.byteLength(body) > RESULT_MAX_BYTES) {
      return userError(
        400,
        "ValidationException",
        `1 validation error detected: Value at 'result' failed to satisfy constraint: Member must have length less than or equal to ${RESULT_MAX_BYTES}`,
      );
    }
    completion = { callbackId, status: "succeeded", result: body === "" ? undefined : body, at: new Date() };
  } else if (action === "fail") {
    const error = members(parseJson(body));
    completion = {
      callbackId,
      status: "failed",
      error: {
        ...text("errorType", error.ErrorType),
        ...text("errorMessage", error.ErrorMessage),
        ...text("errorData", error.ErrorData),
      },
      at: new Date(),
    };
  } else return notImplemented(method, url);
  if (!callbacks.complete(completion)) {
    return userError(
      400,
      "CallbackTimeoutException",
      "The callback ID token has either expired or the callback associated with the token has already been closed.",
    );
  }
  return { status: 200, body: "" };
}

function text<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return (typeof value === "string" ? { [key]: value } : {}) as { [P in K]?: string };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body === "" ? "{}" : body);
  } catch {
    return undefined;
  }
}

function notImplemented(method: string, url: URL): ApiResponse {
  return userError(
    400,
    "InvalidParameterValueException",
    `the local Lambda API does not implement ${method} ${url.pathname}`,
  );
}
