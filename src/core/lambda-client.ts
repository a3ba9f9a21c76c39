import { LambdaClient } from "@aws-sdk/client-lambda";
import { type ClientTarget, clientConfig } from "./sqs-connect.ts";

/**
 * The Lambda client sqs-jobs creates (event source mapping control, invoke). It honours
 * `AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL` like the SQS client, so one endpoint setting
 * points every client at `sqs-jobs dev` or LocalStack.
 */
export function createLambdaClient(
  target: ClientTarget = {},
  options: { maxAttempts?: number } = {},
): LambdaClient {
  return new LambdaClient({
    ...clientConfig(target, "LAMBDA"),
    // The CLI reports an unreachable Lambda API as "-" in a table; retrying for seconds first
    // would only delay that answer.
    maxAttempts: options.maxAttempts ?? 2,
  });
}
