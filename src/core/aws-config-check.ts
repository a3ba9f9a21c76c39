import { ConfigError } from "./errors.ts";

/** What {@link checkSqsConfig} reads of a client: the SQS client, or the SNS client of a publish. */
interface AwsClientConfig {
  readonly config: { region(): Promise<string>; credentials(): Promise<unknown> };
}

const configChecks = new WeakMap<AwsClientConfig, Promise<void>>();

/**
 * Resolves the client's region and credentials with the client's own providers (the SDK's chains:
 * `AWS_REGION` and the profile for the region; environment keys, profiles, SSO, container and
 * instance roles for credentials), once per client; the SDK caches what they return, so its
 * first request reuses it. Without this a missing region or key surfaces as one failure per
 * request after every retry, which reads like an outage.
 *
 * @throws {ConfigError} no region, or no credentials; `cause` holds the SDK's error
 */
export function checkSqsConfig(sqs: AwsClientConfig): Promise<void> {
  let check = configChecks.get(sqs);
  if (check === undefined) {
    check = resolveRegionAndCredentials(sqs);
    // A failure is not remembered: the user may fix the environment and call again.
    check.catch(() => configChecks.delete(sqs));
    configChecks.set(sqs, check);
  }
  return check;
}

async function resolveRegionAndCredentials(sqs: AwsClientConfig): Promise<void> {
  try {
    await sqs.config.region();
  } catch (cause) {
    throw new ConfigError(
      "no AWS region is configured: set AWS_REGION, or a region in your AWS profile (the AWS SDK does not read AWS_DEFAULT_REGION), or pass a client with a region",
      { cause },
    );
  }
  try {
    await sqs.config.credentials();
  } catch (cause) {
    throw new ConfigError(
      "no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values against sqs-jobs dev or LocalStack), or AWS_PROFILE, or run where a role provides them",
      { cause },
    );
  }
}
