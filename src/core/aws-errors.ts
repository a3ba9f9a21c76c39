import { QueueNotFoundError, SqsJobsError } from "./errors.ts";

/**
 * The one place that reads AWS SDK failures: which are throttling, which may have been acted on,
 * which never reached AWS, which are about credentials or a missing queue, and the typed errors
 * the CLI and the operations turn them into.
 */

interface AwsErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly cause?: unknown;
  readonly $fault?: "client" | "server";
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function shape(error: unknown): AwsErrorShape {
  return typeof error === "object" && error !== null ? (error as AwsErrorShape) : {};
}

const QUEUE_MISSING = new Set(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"]);
const THROTTLED = new Set([
  "ThrottlingException",
  "Throttling",
  "RequestThrottled",
  "TooManyRequestsException",
  "KmsThrottled",
  "RequestLimitExceeded",
  // DynamoDB's throttling (a 400, so the status alone would call it final): the job ledger's calls.
  "ProvisionedThroughputExceededException",
  // SNS's (Publish, PublishBatch).
  "ThrottledException",
  "KMSThrottlingException",
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

/**
 * Socket errors, by errno, with whether the request may have reached AWS. A connection that was
 * never opened (refused, no such host, no route) carried nothing; a reset or a timeout may come
 * after the request was written.
 */
const NETWORK_CODES: ReadonlyMap<string, { readonly mayHaveBeenSent: boolean }> = new Map([
  ["ECONNREFUSED", { mayHaveBeenSent: false }],
  ["ENOTFOUND", { mayHaveBeenSent: false }],
  ["EAI_AGAIN", { mayHaveBeenSent: false }],
  ["EHOSTUNREACH", { mayHaveBeenSent: false }],
  ["ENETUNREACH", { mayHaveBeenSent: false }],
  ["ECONNRESET", { mayHaveBeenSent: true }],
  ["EPIPE", { mayHaveBeenSent: true }],
  ["ETIMEDOUT", { mayHaveBeenSent: true }],
]);

/** Failures to connect at all (refused, name not found): the request never left, SQS did nothing. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

export function isQueueMissing(error: unknown): boolean {
  const e = shape(error);
  return QUEUE_MISSING.has(e.name ?? "") || QUEUE_MISSING.has(e.code ?? "");
}

/** SNS says the topic does not exist (`NotFoundException`; `NotFound` from some emulators). */
export function isTopicMissing(error: unknown): boolean {
  const e = shape(error);
  return e.name === "NotFoundException" || e.name === "NotFound" || e.code === "NotFound";
}

/**
 * The socket errno of a network failure (`ECONNREFUSED`...), or `ETIMEDOUT` for an SDK timeout
 * with no HTTP answer; `undefined` when AWS answered. The errno hides a level or two down,
 * depending on the SDK's HTTP handler.
 */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined; depth++) {
    const e = shape(current);
    if (e.code !== undefined && NETWORK_CODES.has(e.code)) return e.code;
    if (e.name === "TimeoutError" && e.$metadata?.httpStatusCode === undefined) return "ETIMEDOUT";
    current = e.cause;
  }
  return undefined;
}

/**
 * DynamoDB's answer for a table (or index) that does not exist in this account and region, or
 * that these credentials cannot see.
 */
export function isTableMissing(error: unknown): boolean {
  return shape(error).name === "ResourceNotFoundException";
}

/**
 * S3's answer for an object (or its bucket) that is not there. S3 answers a missing key with 403
 * instead when the caller may not list the bucket: that stays an access problem, not this.
 */
export function isObjectMissing(error: unknown): boolean {
  const name = shape(error).name;
  return name === "NoSuchKey" || name === "NoSuchBucket" || name === "NotFound";
}

/** The connection was never made (refused, unknown host, no route): AWS cannot have acted on it. */
export function neverReachedAws(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && NETWORK_CODES.get(code)?.mayHaveBeenSent === false;
}

/**
 * How a failed call may be retried. `throttled`: refused before any work, safe to repeat.
 * `unsent`: no connection was made (refused, name not found), so SQS did nothing; safe to repeat.
 * `ambiguous`: a 5xx, a reset or a timeout, where SQS may or may not have acted, so a repeat
 * can duplicate. `final`: the request itself is wrong; repeating cannot help.
 */
export type FailureKind = "throttled" | "unsent" | "ambiguous" | "final";

export function classifyFailure(error: unknown): FailureKind {
  const e = shape(error);
  if (THROTTLED.has(e.name ?? "") || THROTTLED.has(e.code ?? "")) return "throttled";
  const status = e.$metadata?.httpStatusCode;
  if (status === 429) return "throttled";
  if (e.$fault === "server" || (status !== undefined && status >= 500)) return "ambiguous";
  if (status === undefined && NOT_CONNECTED.has(e.code ?? "")) return "unsent";
  if (status === undefined) return "ambiguous"; // no HTTP answer: network error or timeout
  return "final";
}

/** AWS refused the credentials, or the SDK found none. */
export function isCredentialsFailure(error: unknown): boolean {
  const e = shape(error);
  return CREDENTIAL_NAMES.has(e.name ?? "") || CREDENTIAL_NAMES.has(e.code ?? "");
}

/** The SDK had no region to sign for (its error is a plain Error saying so). */
export function isRegionMissing(error: unknown): boolean {
  return /region is missing/i.test(shape(error).message ?? "");
}

/** Short, payload-free description of an AWS error for messages and results. */
export function describeAwsError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}

/** Turns "queue does not exist" into {@link QueueNotFoundError}; other errors pass through. */
export function queueMissingOr(error: unknown, queueUrl: string): unknown {
  return isQueueMissing(error) ? new QueueNotFoundError(queueUrl, { cause: error }) : error;
}

/** Nothing answered at the endpoint: wrong `--endpoint`, `sqs-jobs dev` not running, or no network. */
export class EndpointUnreachableError extends SqsJobsError {
  override readonly name: string = "EndpointUnreachableError";
  constructor(what: string, options?: { cause?: unknown }) {
    super(
      "ERR_ENDPOINT_UNREACHABLE",
      `cannot reach ${what}; check --endpoint / AWS_ENDPOINT_URL (is \`sqs-jobs dev\` running?) and your network`,
      options,
    );
  }
}

/** No usable AWS credentials or region, or the endpoint refused them. */
export class CredentialsError extends SqsJobsError {
  override readonly name: string = "CredentialsError";
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      "ERR_CREDENTIALS",
      `${detail}; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and AWS_REGION or --region`,
      options,
    );
  }
}

/** An AWS call failed for another reason; `cause` holds the AWS error. */
export class OperationError extends SqsJobsError {
  override readonly name: string = "OperationError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_OPERATION", message, options);
  }
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
  const code = networkErrorCode(error);
  if (code !== undefined) return new EndpointUnreachableError(`the AWS endpoint (${code})`, { cause: error });
  if (isCredentialsFailure(error)) {
    return new CredentialsError(`AWS refused or could not find credentials (${shape(error).name})`, {
      cause: error,
    });
  }
  if (isRegionMissing(error)) {
    // The AWS CLI reads AWS_DEFAULT_REGION; the AWS SDK for JavaScript does not, which surprises.
    const hint =
      (process.env.AWS_DEFAULT_REGION ?? "") === ""
        ? ""
        : " (AWS_DEFAULT_REGION is set, but the AWS SDK reads AWS_REGION)";
    return new CredentialsError(`no AWS region is configured${hint}`, { cause: error });
  }
  return new OperationError(`${subject.what} failed: ${describeAwsError(error)}`, { cause: error });
}
