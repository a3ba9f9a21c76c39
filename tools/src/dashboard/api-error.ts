import { SqsJobsError } from "sqs-jobs/internal/core/errors";

/**
 * A dashboard request the server answers with an error: an HTTP status and the API's own code
 * (`QUEUE_NOT_FOUND`, `TOKEN_REQUIRED`...), which the page switches on, as
 * `{ "error": { "code", "message" } }`.
 */
export class DashboardRequestError extends SqsJobsError {
  override readonly name: string = "DashboardRequestError";
  readonly status: number;
  readonly apiCode: string;

  constructor(status: number, apiCode: string, message: string, options?: { cause?: unknown }) {
    super("ERR_DASHBOARD_REQUEST", message, options);
    this.status = status;
    this.apiCode = apiCode;
  }
}

/** 400 BAD_REQUEST: a parameter or body field is wrong; the message names it and the fix. */
export function badRequest(message: string): DashboardRequestError {
  return new DashboardRequestError(400, "BAD_REQUEST", message);
}

/** The status and API code of any error an API call throws. */
export function toApiError(error: unknown): DashboardRequestError {
  if (error instanceof DashboardRequestError) return error;
  if (!(error instanceof SqsJobsError)) {
    return new DashboardRequestError(500, "INTERNAL", "the dashboard server failed; see its terminal", {
      cause: error,
    });
  }
  const [status, apiCode] = STATUS_OF_CODE[error.code] ?? [502, error.code.replace(/^ERR_/, "")];
  return new DashboardRequestError(status, apiCode, error.message, { cause: error });
}

const STATUS_OF_CODE: Partial<Record<SqsJobsError["code"], readonly [number, string]>> = {
  ERR_QUEUE_NOT_FOUND: [404, "QUEUE_NOT_FOUND"],
  ERR_NO_DLQ: [404, "NO_DLQ"],
  ERR_ENDPOINT_UNREACHABLE: [502, "ENDPOINT_UNREACHABLE"],
  ERR_CREDENTIALS: [502, "CREDENTIALS"],
  ERR_OPERATION: [502, "OPERATION_FAILED"],
  ERR_CONFIG: [500, "CONFIG"],
  ERR_INVALID_OPTION: [400, "BAD_REQUEST"],
};
