/** An answer of a local AWS API (Lambda, Scheduler) before it is written to the socket. */
export interface ApiResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
}

/**
 * A JSON answer; with `errorType` an error, named in `x-amzn-errortype` as the AWS SDKs read it
 * to pick the exception class.
 */
export function jsonResponse(status: number, value: unknown, errorType?: string): ApiResponse {
  return {
    status,
    headers: {
      "content-type": "application/json",
      ...(errorType === undefined ? {} : { "x-amzn-errortype": errorType }),
    },
    body: JSON.stringify(value),
  };
}
