import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { cachedUntilFailure } from "../core/cached-until-failure.ts";
import { type ClientTarget, clientConfig } from "../core/sqs-connect.ts";

/**
 * The DynamoDB SDK, loaded on first use: the ledger's modules sit in the code every consumer and
 * `JobClient` carries, and one without a ledger must not load the SDK at start
 * (test/testing/start-up-cost.test.ts; the Lambda cold start). No module the runtime reaches
 * imports it statically: a bundler would hoist that import to the top of every bundle
 * (test/cdk/example-app.test.ts).
 */
export const loadDynamoDbSdk = cachedUntilFailure(() => import("@aws-sdk/client-dynamodb"));

/**
 * The config of a DynamoDB client sqs-jobs creates for the job ledger when the caller passes none.
 * It honours `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` like the SQS and Lambda clients, so
 * one endpoint setting points every client at `sqs-jobs dev` or LocalStack.
 */
export function dynamoDbClientConfig(
  target: ClientTarget,
  options: { readonly maxAttempts?: number },
): DynamoDBClientConfig {
  return {
    ...clientConfig(target, "DYNAMODB"),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  };
}
