import { LambdaClient } from "@aws-sdk/client-lambda";
import { lambdaClientConfig } from "./lambda-connect.ts";
import type { ClientTarget } from "./sqs-connect.ts";

/**
 * The Lambda client the CLI creates (event source mapping control, invoke); see
 * {@link lambdaClientConfig}. The runtime takes its client from `lazyLambda` (lambda-connect.ts).
 */
export function createLambdaClient(
  target: ClientTarget = {},
  options: { maxAttempts?: number } = {},
): LambdaClient {
  // The CLI reports an unreachable Lambda API as "-" in a table; retrying for seconds first
  // would only delay that answer.
  return new LambdaClient(lambdaClientConfig(target, options.maxAttempts ?? 2));
}
