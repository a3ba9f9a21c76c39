import { SQSClient } from "@aws-sdk/client-sqs";
import { type ClientTarget, type SqsPool, sqsClientConfig } from "./sqs-connect.ts";

export type { ClientTarget } from "./sqs-connect.ts";

/**
 * The SQS client the worker and the CLI create when the caller passes none; see
 * {@link sqsClientConfig}. The Lambda runtime (consumer and `JobClient`) takes its client from
 * `lazySqs` (sqs-connect.ts) instead, so the SDK is not imported at the top of its bundle.
 */
export function createSqsClient(target: ClientTarget = {}, pool: SqsPool = {}): SQSClient {
  return new SQSClient(sqsClientConfig(target, pool));
}
