import type * as SnsSdk from "@aws-sdk/client-sns";
import type { SNSClient } from "@aws-sdk/client-sns";
import { loadOptionalPeer } from "./optional-peer.ts";
import { type ClientTarget, clientConfig } from "./sqs-connect.ts";

export type SnsModule = typeof SnsSdk;

/** An SNS client with the SDK module its commands come from. */
export interface SnsLink {
  readonly client: SNSClient;
  readonly sdk: SnsModule;
}

/**
 * Loads `@aws-sdk/client-sns` (an optional peer: only apps that publish install it) and takes
 * `client`, or creates one for the ambient region and credentials that honours
 * `AWS_ENDPOINT_URL_SNS` / `AWS_ENDPOINT_URL`, with a keep-alive pool of `maxSockets`.
 *
 * @throws {SqsJobsError} `ERR_MISSING_PEER`: the package is not installed
 */
export async function connectSns(
  client: SNSClient | undefined,
  target: ClientTarget,
  pool: { readonly maxSockets: number },
): Promise<SnsLink> {
  const sdk = await loadOptionalPeer(
    "@aws-sdk/client-sns",
    "publishing jobs to an SNS topic",
    () => import("@aws-sdk/client-sns"),
  );
  if (client !== undefined) return { client, sdk };
  const agent = { keepAlive: true, maxSockets: pool.maxSockets };
  const config = clientConfig(target, "SNS");
  return {
    client: new sdk.SNSClient({ ...config, requestHandler: { httpAgent: agent, httpsAgent: agent } }),
    sdk,
  };
}
