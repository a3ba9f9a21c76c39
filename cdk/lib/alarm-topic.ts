import { CfnOutput } from "aws-cdk-lib";
import * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";

/**
 * The topic a JobQueue's alarms notify when none is given: without an action an alarm only changes
 * colour in the console, and nobody hears of a dead job. Its ARN is a stack output so the deployer
 * can subscribe (an email subscription must be confirmed, so CDK cannot do it for them).
 */
export function createAlarmTopic(scope: Construct, queueName: string): sns.Topic {
  const topic = new sns.Topic(scope, "AlarmTopic", {
    enforceSSL: true,
    displayName: `sqs-jobs ${queueName} alarms`,
  });
  new CfnOutput(scope, "AlarmTopicArn", {
    value: topic.topicArn,
    description: `Alarms of job queue "${queueName}". Subscribe: aws sns subscribe --protocol email --notification-endpoint you@example.com --topic-arn <this ARN>`,
  });
  return topic;
}
