import { describeAwsError, isQueueMissing } from "../core/aws-errors.ts";
import { QueueNotFoundError, SqsJobsError } from "../core/errors.ts";
import { CredentialsError, EndpointUnreachableError, OperationError } from "./errors.ts";

interface ErrorLike {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
]);

const CREDENTIAL_NAMES = new Set([
  "CredentialsProviderError",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "ExpiredToken",
  "ExpiredTokenException",
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
  "MissingAuthenticationToken",
]);

function errorLike(error: unknown): ErrorLike {
  return typeof error === "object" && error !== null ? (error as ErrorLike) : {};
}

/** Network failures hide their errno a level or two down, depending on the SDK's HTTP handler. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined; depth++) {
    const e = errorLike(current);
    if (e.code !== undefined && NETWORK_CODES.has(e.code)) return e.code;
    if (e.name === "TimeoutError" && e.$metadata?.httpStatusCode === undefined) return "ETIMEDOUT";
    current = e.cause;
  }
  return undefined;
}

/**
 * Turns an AWS SDK failure into the typed error the CLI explains: queue missing, endpoint
 * unreachable, credentials or region missing, else an {@link OperationError}.
 * `subject` names what was being done, for the message.
 */
export function toOpsError(error: unknown, subject: { what: string; queue?: string }): SqsJobsError {
  if (error instanceof SqsJobsError) return error;
  if (subject.queue !== undefined && isQueueMissing(error)) {
    return new QueueNotFoundError(subject.queue, { cause: error });
  }
  const code = networkCode(error);
  if (code !== undefined) return new EndpointUnreachableError(`the AWS endpoint (${code})`, { cause: error });
  const e = errorLike(error);
  if (CREDENTIAL_NAMES.has(e.name ?? "") || CREDENTIAL_NAMES.has(e.code ?? "")) {
    return new CredentialsError(`AWS refused or could not find credentials (${e.name})`, { cause: error });
  }
  if (/region is missing/i.test(e.message ?? "")) {
    return new CredentialsError("no AWS region is configured", { cause: error });
  }
  return new OperationError(`${subject.what} failed: ${describeAwsError(error)}`, { cause: error });
}
