import {
  LAMBDA_EVENT_INVOKE_MAX_BYTES,
  LAMBDA_SYNC_INVOKE_MAX_BYTES,
  LAMBDA_SYNC_RESPONSE_MAX_BYTES,
} from "sqs-jobs/internal/core/lambda-limits";
import { Checks, decodeSegment } from "./api-validation.ts";
import type { EventSourcePoller, EventSourceState } from "./event-source.ts";
import type { LocalFunction } from "./function-runtime.ts";
import { type ApiResponse, jsonResponse } from "./local-request.ts";
import { mappingChanges } from "./mapping-update.ts";

export interface LambdaApiTarget {
  readonly functions: ReadonlyMap<string, { readonly runtime: LocalFunction; readonly arn: string }>;
  readonly pollers: readonly EventSourcePoller[];
}

const PREFIX = "/2015-03-31/";

export function isLambdaApiPath(path: string): boolean {
  return path.startsWith(PREFIX);
}

/** A caller's mistake, in the body Lambda gives it (both spellings of the message, as AWS sends them). */
const userError = (status: number, errorType: string, message: string): ApiResponse =>
  jsonResponse(status, { Type: "User", Message: message, message }, errorType);

const notFound = (message: string): ApiResponse => userError(404, "ResourceNotFoundException", message);

const invalid = (message: string): ApiResponse => userError(400, "InvalidParameterValueException", message);

function mappingView(s: EventSourceState) {
  return {
    UUID: s.uuid,
    BatchSize: s.batchSize,
    MaximumBatchingWindowInSeconds: s.batchingWindowSeconds,
    EventSourceArn: s.queueArn,
    FunctionArn: s.functionArn,
    LastModified: s.lastModified.getTime() / 1_000,
    State: s.enabled ? "Enabled" : "Disabled",
    StateTransitionReason: "USER_INITIATED",
    FunctionResponseTypes: s.reportBatchItemFailures ? ["ReportBatchItemFailures"] : [],
    ...(s.maximumConcurrency === undefined
      ? {}
      : { ScalingConfig: { MaximumConcurrency: s.maximumConcurrency } }),
  };
}

/** A function's name, as the part of a reference that names it must be. */
const FUNCTION_NAME = /^[a-zA-Z0-9-_.]{1,64}$/;
/** Lambda's pattern for FunctionName, as its ValidationException quotes it. */
const FUNCTION_NAME_SHOWN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

const validationFailure = (message: string): ApiResponse => userError(400, "ValidationException", message);

/** `name`, `arn:...:function:name` and `arn:...:function:name:$LATEST` all name a function. */
function functionNameOf(ref: string): string {
  const parts = ref.split(":");
  const at = parts.indexOf("function");
  return at >= 0 ? (parts[at + 1] ?? "") : (parts[0] ?? "");
}

/**
 * The part of the Lambda REST API that the CLI, the AWS SDK and the AWS CLI use against a local
 * stack: Invoke, ListFunctions, and List/Get/UpdateEventSourceMapping.
 */
export async function handleLambdaApi(
  target: LambdaApiTarget,
  method: string,
  url: URL,
  body: string,
  headers: Record<string, string | string[] | undefined>,
): Promise<ApiResponse> {
  const path = url.pathname.slice(PREFIX.length).replace(/\/+$/, "");
  const segments = path.split("/");

  if (segments[0] === "event-source-mappings") {
    const uuid = segments[1];
    if (uuid === undefined || uuid === "") {
      if (method !== "GET") return invalid(`${method} on event-source-mappings is not supported locally`);
      const fn = url.searchParams.get("FunctionName");
      const arn = url.searchParams.get("EventSourceArn");
      const mappings = target.pollers
        .map((p) => p.state)
        .filter(
          (s) =>
            (fn === null || s.functionName === functionNameOf(fn)) && (arn === null || s.queueArn === arn),
        );
      return jsonResponse(200, { EventSourceMappings: mappings.map(mappingView) });
    }
    const poller = target.pollers.find((p) => p.state.uuid === uuid);
    if (poller === undefined)
      return notFound(`The resource you requested does not exist. (Service: Lambda, UUID: ${uuid})`);
    if (method === "GET") return jsonResponse(200, mappingView(poller.state));
    if (method === "PUT") return updateMapping(poller, body);
    return invalid(`${method} on an event source mapping is not supported locally`);
  }

  if (segments[0] === "functions") {
    if (segments.length === 1 && method === "GET") {
      return jsonResponse(200, {
        Functions: [...target.functions].map(([name, f]) => ({
          FunctionName: name,
          FunctionArn: f.arn,
          Runtime: "nodejs24.x",
          Handler: f.runtime.options.handler,
          Timeout: f.runtime.options.timeoutSeconds,
        })),
      });
    }
    if (segments[2] === "invocations" && method === "POST") {
      const ref = segments[1] ?? "";
      const name = functionNameOf(decodeSegment(ref) ?? ref);
      const checks = new Checks();
      checks.pattern(name, "functionName", FUNCTION_NAME, FUNCTION_NAME_SHOWN);
      const problem = checks.message();
      if (problem !== undefined) return validationFailure(problem);
      const fn = target.functions.get(name);
      if (fn === undefined) return notFound(`Function not found: ${name}`);
      return invoke(fn.runtime, body, headers);
    }
  }
  return invalid(`the local Lambda API does not implement ${method} ${url.pathname}`);
}

function updateMapping(poller: EventSourcePoller, body: string): ApiResponse {
  let input: unknown;
  try {
    input = JSON.parse(body === "" ? "{}" : body);
  } catch {
    input = undefined;
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return jsonResponse(
      400,
      { Type: "User", message: "Could not parse request body into json" },
      "InvalidRequestContentException",
    );
  }
  const changes = mappingChanges(input, poller.state);
  if ("type" in changes) {
    return changes.type === "ValidationException"
      ? validationFailure(changes.message)
      : invalid(changes.message);
  }
  Object.assign(poller.state, changes);
  poller.changed();
  return jsonResponse(202, mappingView(poller.state));
}

/**
 * Lambda's words for a request body over its invocation type's limit (checked before anything
 * runs). A far larger body may meet AWS's front door first, which words it "Request must be
 * smaller than 6291456 bytes for the InvokeFunction operation": same exception, same status.
 */
function payloadTooLarge(bytes: number, event: boolean): string | undefined {
  const [type, limit] = event
    ? ["Event", LAMBDA_EVENT_INVOKE_MAX_BYTES]
    : ["RequestResponse", LAMBDA_SYNC_INVOKE_MAX_BYTES];
  return bytes > limit
    ? `${bytes} byte payload is too large for the ${type} invocation type (limit ${limit} bytes)`
    : undefined;
}

async function invoke(
  runtime: LocalFunction,
  body: string,
  headers: Record<string, string | string[] | undefined>,
): Promise<ApiResponse> {
  const type = headers["x-amz-invocation-type"];
  const tooLarge = payloadTooLarge(Buffer.byteLength(body), type === "Event");
  if (tooLarge !== undefined) {
    return jsonResponse(413, { Type: "User", message: tooLarge }, "RequestEntityTooLargeException");
  }
  let event: unknown;
  try {
    event = body === "" ? {} : JSON.parse(body);
  } catch {
    return jsonResponse(
      400,
      { Type: "User", message: "Could not parse request body into json" },
      "InvalidRequestContentException",
    );
  }
  if (type === "Event") {
    void runtime.invoke(event);
    return { status: 202, body: "" };
  }
  if (type === "DryRun") return { status: 204, body: "" };
  const outcome = await runtime.invoke(event);
  const answer = outcome.ok ? (outcome.result === undefined ? "null" : JSON.stringify(outcome.result)) : "";
  if (outcome.ok && Buffer.byteLength(answer) <= LAMBDA_SYNC_RESPONSE_MAX_BYTES) {
    return {
      status: 200,
      headers: { "content-type": "application/json", "x-amz-executed-version": "$LATEST" },
      body: answer,
    };
  }
  // As on Lambda, a response over the limit fails the invocation (the function did run).
  const failure = outcome.ok
    ? {
        errorType: "Function.ResponseSizeTooLarge",
        errorMessage: `Response payload size exceeded maximum allowed payload size (${LAMBDA_SYNC_RESPONSE_MAX_BYTES} bytes).`,
      }
    : { errorType: outcome.errorType, errorMessage: outcome.errorMessage };
  return {
    status: 200,
    headers: { "content-type": "application/json", "x-amz-function-error": "Unhandled" },
    body: JSON.stringify(failure),
  };
}
