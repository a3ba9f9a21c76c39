import { SQSClient } from "@aws-sdk/client-sqs";
import { type ClientTarget, sqsClientConfig } from "./sqs-connect.ts";

export type { ClientTarget } from "./sqs-connect.ts";

/** The SQS client sqs-jobs creates when the caller passes none; see {@link sqsClientConfig}. */
export function createSqsClient(target: ClientTarget = {}): SQSClient {
  return new SQSClient(sqsClientConfig(target));
}
