/**
 * The one place that reads SNS topic ARNs (`arn:PARTITION:sns:REGION:ACCOUNT:NAME`). Pure
 * functions: nothing here calls AWS.
 */

/** Topic names: 1-256 letters, digits, `_` and `-`, and `.fifo` at the end of a FIFO topic's. */
const TOPIC_ARN = /^arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,251}(?:\.fifo)?$/;

export function isTopicArn(text: string): boolean {
  return TOPIC_ARN.test(text);
}

/** A topic's name: the ARN's last field. */
export function topicNameOf(topicArn: string): string {
  return topicArn.slice(topicArn.lastIndexOf(":") + 1);
}

/** SNS requires FIFO topic names to end in `.fifo`, so the ARN says it. */
export function isFifoTopic(topicArn: string): boolean {
  return topicNameOf(topicArn).endsWith(".fifo");
}
