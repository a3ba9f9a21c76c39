import { describe, expect, it } from "vitest";
import {
  CredentialsError,
  classifyFailure,
  EndpointUnreachableError,
  networkErrorCode,
  neverReachedAws,
  OperationError,
  toOpsError,
} from "../../src/core/aws-errors.ts";
import { QueueNotFoundError } from "../../src/core/errors.ts";

/** A socket error as the SDK's HTTP handler wraps it: the errno one level down. */
function socketError(code: string): Error {
  return Object.assign(new Error("request failed"), { cause: Object.assign(new Error(code), { code }) });
}

describe("one AWS error classification for producer, consumer, operations and CLI", () => {
  it.each([
    ["ECONNREFUSED", false],
    ["ENOTFOUND", false],
    ["EAI_AGAIN", false],
    ["EHOSTUNREACH", false],
    ["ENETUNREACH", false],
    ["ECONNRESET", true],
    ["EPIPE", true],
    ["ETIMEDOUT", true],
  ])("%s is a network failure; may it have reached AWS: %s", (code, mayHaveBeenSent) => {
    const error = socketError(code);
    expect(networkErrorCode(error)).toBe(code);
    expect(neverReachedAws(error)).toBe(!mayHaveBeenSent);
    expect(toOpsError(error, { what: "x" })).toBeInstanceOf(EndpointUnreachableError);
  });

  it("reads an SDK timeout without an HTTP answer as ETIMEDOUT, one that AWS answered as not network", () => {
    const timeout = Object.assign(new Error("timed out"), { name: "TimeoutError", $metadata: {} });
    expect(networkErrorCode(timeout)).toBe("ETIMEDOUT");
    const answered = Object.assign(new Error("slow"), {
      name: "TimeoutError",
      $metadata: { httpStatusCode: 504 },
    });
    expect(networkErrorCode(answered)).toBeUndefined();
    expect(classifyFailure(answered)).toBe("ambiguous");
  });

  it("maps queue, credentials and region failures to their typed errors, anything else to OperationError", () => {
    const missing = Object.assign(new Error("no queue"), { name: "QueueDoesNotExist" });
    expect(toOpsError(missing, { what: "x", queue: "reports" })).toBeInstanceOf(QueueNotFoundError);
    const creds = Object.assign(new Error("bad"), { name: "InvalidClientTokenId" });
    expect(toOpsError(creds, { what: "x" })).toBeInstanceOf(CredentialsError);
    expect(toOpsError(new Error("Region is missing"), { what: "x" })).toMatchObject({
      code: "ERR_CREDENTIALS",
      message: expect.stringContaining("no AWS region"),
    });
    const other = Object.assign(new Error("nope"), {
      name: "InvalidParameterValue",
      $metadata: { httpStatusCode: 400 },
    });
    expect(toOpsError(other, { what: "sending" })).toBeInstanceOf(OperationError);
    expect(classifyFailure(other)).toBe("final");
  });

  it("knows DynamoDB's throttling, a 400 the status alone would call final", () => {
    const throttled = Object.assign(new Error("Throughput exceeds the current capacity"), {
      name: "ProvisionedThroughputExceededException",
      $metadata: { httpStatusCode: 400 },
    });
    expect(classifyFailure(throttled)).toBe("throttled");
  });
});
