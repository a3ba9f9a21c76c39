import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type ClientTarget, clientConfig } from "./sqs-connect.ts";

/**
 * The DynamoDB client sqs-jobs creates for the job ledger when the caller passes none. It honours
 * `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` like the SQS and Lambda clients, so one
 * endpoint setting points every client at `sqs-jobs dev` or LocalStack.
 */
export function createDynamoDbClient(
  target: ClientTarget = {},
  options: { readonly maxAttempts?: number } = {},
): DynamoDBClient {
  return new DynamoDBClient({
    ...clientConfig(target, "DYNAMODB"),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
}
