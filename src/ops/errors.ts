import { SqsJobsError } from "../core/errors.ts";

/** A DLQ operation named a queue that has no dead-letter queue and is none itself. */
export class NoDeadLetterQueueError extends SqsJobsError {
  // Set explicitly: minifiers (esbuild in Lambda bundles) rename classes, and DLQ reasons show this name.
  override readonly name: string = "NoDeadLetterQueueError";
  readonly queue: string;

  constructor(queue: string, detail: string) {
    super(
      "ERR_NO_DLQ",
      `queue "${queue}" has no dead-letter queue configured (${detail}); set a RedrivePolicy on it (JobQueue does) or name the DLQ itself`,
    );
    this.queue = queue;
  }
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
