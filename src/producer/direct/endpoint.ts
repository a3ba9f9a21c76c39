import type { SQSClient } from "@aws-sdk/client-sqs";

type SqsConfig = SQSClient["config"];

/**
 * Where the SDK would send a request for `queueUrl`: the client's custom endpoint when it has one,
 * else the endpoint its rules give for the region (FIPS and dual-stack included), except that
 * with `useQueueUrlAsEndpoint` (the SDK's default) a queue URL on another host wins, as the SDK's
 * queue-URL middleware decides.
 */
export async function baseEndpoint(
  config: SqsConfig,
  region: string,
): Promise<{ url: URL; custom: boolean }> {
  if (config.endpoint !== undefined) {
    const e = await config.endpoint();
    const port = e.port === undefined ? "" : `:${e.port}`;
    return { url: new URL(`${e.protocol}//${e.hostname}${port}${e.path}`), custom: true };
  }
  const [UseFIPS, UseDualStack] = await Promise.all([
    config.useFipsEndpoint(),
    config.useDualstackEndpoint(),
  ]);
  const resolved = config.endpointProvider({ Region: region, UseFIPS, UseDualStack });
  return { url: new URL(resolved.url.href), custom: false };
}

export function endpointFor(
  base: { url: URL; custom: boolean },
  useQueueUrl: boolean,
  queueUrl: string | undefined,
): URL {
  if (base.custom || !useQueueUrl || queueUrl === undefined) return base.url;
  try {
    const origin = new URL(queueUrl).origin;
    return origin === base.url.origin ? base.url : new URL(`${origin}/`);
  } catch {
    return base.url;
  }
}
