import type { IncomingHttpHeaders } from "node:http";

/**
 * SQS's answer to a refused request, shaped like the AWS SDK's service exceptions (`name`, `Code`,
 * `Type`, `$fault`, `$metadata.httpStatusCode`), so the helpers in core/aws-errors.ts classify a
 * direct-transport failure exactly as they classify the SDK's.
 */
export class SqsServiceError extends Error {
  readonly $fault: "client" | "server";
  readonly $metadata: {
    readonly httpStatusCode: number;
    readonly requestId: string | undefined;
    attempts?: number;
    totalRetryDelay?: number;
  };
  /** The query-compatible code (`AWS.SimpleQueueService.NonExistentQueue`), else the error name. */
  readonly Code: string;
  /** "Sender" or "Receiver" when SQS said so. */
  readonly Type: string | undefined;

  constructor(init: {
    name: string;
    message: string;
    status: number;
    requestId: string | undefined;
    code: string | undefined;
    type: string | undefined;
  }) {
    super(init.message);
    this.name = init.name;
    this.$fault = init.status >= 500 ? "server" : "client";
    this.$metadata = { httpStatusCode: init.status, requestId: init.requestId };
    this.Code = init.code ?? init.name;
    this.Type = init.type;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Builds the error from a non-200 answer of the AWS JSON 1.0 protocol: `{"__type":
 * "com.amazonaws.sqs#QueueDoesNotExist", "message": "..."}` plus, because the request asks for
 * query compatibility, `x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender`.
 */
export function serviceError(status: number, headers: IncomingHttpHeaders, body: string): SqsServiceError {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === "object" && value !== null) parsed = value;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status and headers still classify it.
  }
  const typeField = typeof parsed.__type === "string" ? parsed.__type : header(headers, "x-amzn-errortype");
  // "com.amazonaws.sqs#QueueDoesNotExist" or "QueueDoesNotExist:http://..." -> "QueueDoesNotExist"
  const name = typeField?.split("#").pop()?.split(":")[0] || "UnknownError";
  const message = typeof parsed.message === "string" ? parsed.message : parsed.Message;
  const [code, type] = header(headers, "x-amzn-query-error")?.split(";") ?? [];
  return new SqsServiceError({
    name,
    message: typeof message === "string" ? message : `HTTP ${status}`,
    status,
    requestId: header(headers, "x-amzn-requestid"),
    code: code || undefined,
    type: type || undefined,
  });
}
