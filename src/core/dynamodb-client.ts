import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { dynamoDbClientConfig } from "../ledger/dynamodb-sdk.ts";
import type { ClientTarget } from "./sqs-connect.ts";

/**
 * The DynamoDB client the CLI creates for the job ledger; see {@link dynamoDbClientConfig}. The
 * runtime creates its own from the SDK it loads on first use (ledger-options.ts).
 */
export function createDynamoDbClient(
  target: ClientTarget = {},
  options: { readonly maxAttempts?: number } = {},
): DynamoDBClient {
  return new DynamoDBClient(dynamoDbClientConfig(target, options));
}
