import type { SNSClient } from "@aws-sdk/client-sns";
import { optionalEnv, topicArnEnvVar } from "../core/env.ts";
import { ConfigError } from "../core/errors.ts";
import { connectSns, type SnsLink } from "../core/sns-client.ts";
import { isFifoTopic, isTopicArn } from "../core/topic-arn.ts";
import type { PublishRoute } from "./send-pipeline.ts";

/**
 * The topic a client publishes to, from its options or the environment `JobTopic` sets; undefined
 * when neither names one. The SNS SDK is loaded, and the client made, on the first publish.
 *
 * @throws {ConfigError} `topicArn` (given or from the environment) is not an SNS topic ARN
 */
export function topicRouteFrom(
  options: { readonly topicArn?: string; readonly topic?: string; readonly sns?: SNSClient },
  maxSockets: number,
): PublishRoute | undefined {
  const topicArn = options.topicArn ?? optionalEnv(topicArnEnvVar(options.topic));
  if (topicArn === undefined) {
    if (options.topic === undefined) return undefined;
    throw new ConfigError(
      `the topic ARN is not configured: pass topicArn, or set ${topicArnEnvVar(options.topic)} (JobTopic.grantPublishJobs sets it)`,
    );
  }
  if (!isTopicArn(topicArn)) {
    throw new ConfigError(
      `topicArn must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:events, but "${topicArn.slice(0, 200)}" was provided`,
    );
  }
  let link: Promise<SnsLink> | undefined;
  return {
    topicArn,
    fifo: isFifoTopic(topicArn),
    sns: () => {
      if (link === undefined) {
        link = connectSns(options.sns, {}, { maxSockets });
        // A failure to load is not kept: the package may be installed and the call made again.
        link.catch(() => {
          link = undefined;
        });
      }
      return link;
    },
  };
}
