import type * as SqsSdk from "@aws-sdk/client-sqs";
import type { SQSClient, SQSClientConfig } from "@aws-sdk/client-sqs";
import { cachedUntilFailure } from "./cached-until-failure.ts";
import { type AwsService, endpointFromEnv } from "./env.ts";

/** Where a client sqs-jobs creates should talk to; both default to the environment. */
export interface ClientTarget {
  /** @default `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then AWS itself */
  readonly endpoint?: string;
  /** @default the SDK's region chain (`AWS_REGION`, the profile...) */
  readonly region?: string;
  /** @default the SDK's credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * The config of an SQS client sqs-jobs creates when the caller passes none. With an endpoint set
 * (`AWS_ENDPOINT_URL_SQS` or `AWS_ENDPOINT_URL`, e.g. LocalStack or `sqs-jobs dev`) it must not
 * send to the queue URL's own host: emulators hand out URLs such as
 * `http://sqs.us-east-1.localhost:4566/...` whose names do not resolve, so every call would fail
 * with ENOTFOUND.
 */
export function sqsClientConfig(target: ClientTarget = {}, pool: SqsPool = {}): SQSClientConfig {
  const common = clientConfig(target, "SQS");
  const config = common.endpoint === undefined ? common : { ...common, useQueueUrlAsEndpoint: false };
  if (pool.maxSockets === undefined) return config;
  const agent = { keepAlive: true, maxSockets: pool.maxSockets };
  return { ...config, requestHandler: { httpAgent: agent, httpsAgent: agent } };
}

/**
 * `maxSockets` sizes the SDK's keep-alive connection pool (the SDK's default is 50) for a caller
 * that may keep more requests in flight; connections are reused either way.
 */
export interface SqsPool {
  readonly maxSockets?: number;
}

/** Region, credentials and endpoint of any client sqs-jobs creates, from the target or the environment. */
export function clientConfig(
  target: ClientTarget,
  service: AwsService,
): { region?: string; credentials?: ClientTarget["credentials"]; endpoint?: string } {
  const endpoint = target.endpoint ?? endpointFromEnv(service);
  return {
    ...(target.region === undefined ? {} : { region: target.region }),
    ...(target.credentials === undefined ? {} : { credentials: target.credentials }),
    ...(endpoint === undefined ? {} : { endpoint }),
  };
}

export type SqsModule = typeof SqsSdk;

/** An SQS client with the SDK module its commands come from. */
export interface SqsLink {
  readonly client: SQSClient;
  readonly sdk: SqsModule;
}

/** Hands out the {@link SqsLink}, loading the SDK and creating the client on the first call. */
export type SqsConnect = () => Promise<SqsLink>;

const loadSqsSdk: () => Promise<SqsModule> = cachedUntilFailure(() => import("@aws-sdk/client-sqs"));

/**
 * The Lambda runtime's way to SQS (the consumer, and `JobClient`, which a consumer carries for
 * `ctx.send`). On the happy path Lambda deletes the batch and the consumer makes no call at all,
 * so the SDK (about 50 ms to import) and the client (a few ms to build) wait until a send, a
 * retry, a dead-letter or a hand-back needs them, instead of adding to every cold start. No
 * module the runtime reaches imports the SDK statically: a bundler would hoist that import to
 * the top of the bundle (test/cdk/example-app.test.ts).
 */
export function lazySqs(client?: SQSClient, target?: ClientTarget, pool?: SqsPool): SqsConnect {
  return cachedUntilFailure(async () => {
    const sdk = await loadSqsSdk();
    return { sdk, client: client ?? new sdk.SQSClient(sqsClientConfig(target, pool)) };
  });
}
