import type { SQSClient } from "@aws-sdk/client-sqs";

type SqsConfig = SQSClient["config"];

export interface BaseEndpoint {
  readonly url: URL;
  /** True when a queue URL on another host replaces it, as the SDK's queue-URL middleware does. */
  readonly queueUrlWins: boolean;
}

/**
 * Where the SDK would send this client's requests, in the SDK's order: the endpoint given to the
 * client; else one configured outside the code (`AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL`, the
 * profile's `endpoint_url`), which the SDK reads on its first request; else the endpoint rules for
 * the region, FIPS and dual-stack included.
 *
 * With `useQueueUrlAsEndpoint` (the SDK's default) a queue URL on another host wins, unless the
 * client was given an endpoint when it was built: the SDK's middleware decides on the config it
 * saw then, so an endpoint from the environment does not stop it. `givenEndpoint` is that fact,
 * read when the transport is made.
 */
export async function baseEndpoint(
  config: SqsConfig,
  region: string,
  givenEndpoint: boolean,
): Promise<BaseEndpoint> {
  const queueUrlWins = config.useQueueUrlAsEndpoint && !givenEndpoint;
  if (config.endpoint !== undefined) {
    const e = await config.endpoint();
    const port = e.port === undefined ? "" : `:${e.port}`;
    return { url: new URL(`${e.protocol}//${e.hostname}${port}${e.path}`), queueUrlWins };
  }
  if (!config.ignoreConfiguredEndpointUrls) {
    const configured = await config.serviceConfiguredEndpoint?.();
    if (configured !== undefined) return { url: new URL(configured), queueUrlWins };
  }
  const [UseFIPS, UseDualStack] = await Promise.all([
    config.useFipsEndpoint(),
    config.useDualstackEndpoint(),
  ]);
  const resolved = config.endpointProvider({ Region: region, UseFIPS, UseDualStack });
  return { url: new URL(resolved.url.href), queueUrlWins };
}

export function endpointFor(base: BaseEndpoint, queueUrl: string | undefined): URL {
  if (!base.queueUrlWins || queueUrl === undefined) return base.url;
  try {
    const origin = new URL(queueUrl).origin;
    return origin === base.url.origin ? base.url : new URL(`${origin}/`);
  } catch {
    return base.url;
  }
}
