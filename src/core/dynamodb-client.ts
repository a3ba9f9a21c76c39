import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { endpointFromEnv } from "./env.ts";
import type { ClientTarget } from "./sqs-connect.ts";

/**
 * The DynamoDB client sqs-jobs creates for the job ledger when the caller passes none. It honours
 * `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` like the SQS and Lambda clients, so one
 * endpoint setting points every client at `sqs-jobs dev` or LocalStack.
 */
export function createDynamoDbClient(
  target: ClientTarget = {},
  options: { readonly maxAttempts?: number } = {},
): DynamoDBClient {
  const endpoint = target.endpoint ?? endpointFromEnv("DYNAMODB");
  return new DynamoDBClient({
    ...(target.region === undefined ? {} : { region: target.region }),
    ...(target.credentials === undefined ? {} : { credentials: target.credentials }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  });
}
