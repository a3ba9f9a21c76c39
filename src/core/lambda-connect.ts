import type * as LambdaSdk from "@aws-sdk/client-lambda";
import type { LambdaClient, LambdaClientConfig } from "@aws-sdk/client-lambda";
import { cachedUntilFailure } from "./cached-until-failure.ts";
import { type ClientTarget, clientConfig } from "./sqs-connect.ts";

export type LambdaModule = typeof LambdaSdk;

/** A Lambda client with the SDK module its commands come from. */
export interface LambdaLink {
  readonly client: LambdaClient;
  readonly sdk: LambdaModule;
}

/** Hands out the {@link LambdaLink}, loading the SDK and creating the client on the first call. */
export type LambdaConnect = () => Promise<LambdaLink>;

/**
 * The config of a Lambda client sqs-jobs creates. It honours `AWS_ENDPOINT_URL_LAMBDA` /
 * `AWS_ENDPOINT_URL` like the SQS client, so one endpoint setting points every client at
 * `sqs-jobs dev` or LocalStack.
 */
export function lambdaClientConfig(target: ClientTarget, maxAttempts: number): LambdaClientConfig {
  return { ...clientConfig(target, "LAMBDA"), maxAttempts };
}

const loadLambdaSdk = cachedUntilFailure(() => import("@aws-sdk/client-lambda"));

/**
 * The runtime's way to Lambda (`JobClient.call`, durable callbacks): the SDK and the client wait
 * for the first call, and no module the runtime reaches imports the SDK statically, which a
 * bundler would hoist to the top of every bundle (test/cdk/example-app.test.ts).
 */
export function lazyLambda(
  client: LambdaClient | undefined,
  options: { readonly maxAttempts: number },
): LambdaConnect {
  return cachedUntilFailure(async () => {
    const sdk = await loadLambdaSdk();
    return { sdk, client: client ?? new sdk.LambdaClient(lambdaClientConfig({}, options.maxAttempts)) };
  });
}
