import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.ts";
import {
  deadLetterTargetArn,
  isFifoQueue,
  isQueueUrl,
  parseQueueArn,
  queueNameOf,
  queueUrlFromArn,
} from "../../src/core/queue-url.ts";

describe("queue names, URLs, ARNs and RedrivePolicy, read in one place", () => {
  it.each([
    ["reports", "reports", false],
    ["email.fifo", "email.fifo", true],
    ["https://sqs.eu-west-1.amazonaws.com/123456789012/reports", "reports", false],
    ["http://127.0.0.1:4566/000000000000/email.fifo/", "email.fifo", true],
    ["arn:aws:sqs:eu-west-1:123456789012:email.fifo", "email.fifo", true],
    ["arn:aws-cn:sqs:cn-north-1:123456789012:reports", "reports", false],
  ])("%s is named %s (FIFO: %s)", (text, name, fifo) => {
    expect(queueNameOf(text)).toBe(name);
    expect(isFifoQueue(text)).toBe(fifo);
  });

  it("tells URLs from names and ARNs, and parses only SQS ARNs", () => {
    expect(isQueueUrl("https://sqs.us-east-1.amazonaws.com/1/q")).toBe(true);
    expect(isQueueUrl("reports")).toBe(false);
    expect(parseQueueArn("arn:aws:sqs:us-east-1:123456789012:q")).toEqual({
      partition: "aws",
      region: "us-east-1",
      account: "123456789012",
      name: "q",
    });
    expect(parseQueueArn("arn:aws:sns:us-east-1:123456789012:q")).toBeUndefined();
    expect(parseQueueArn("reports")).toBeUndefined();
  });

  it("builds a queue URL from an ARN by SQS's pattern, and refuses what is not one", () => {
    expect(queueUrlFromArn("arn:aws:sqs:eu-west-1:123456789012:reports")).toBe(
      "https://sqs.eu-west-1.amazonaws.com/123456789012/reports",
    );
    expect(queueUrlFromArn("arn:aws-cn:sqs:cn-north-1:123456789012:r")).toBe(
      "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/r",
    );
    expect(() => queueUrlFromArn("arn:aws:sqs:eu-west-1::reports")).toThrow(ConfigError);
    expect(() => queueUrlFromArn("reports")).toThrow(ConfigError);
  });

  it("reads the DLQ ARN of a RedrivePolicy, and nothing from a missing or broken one", () => {
    const arn = "arn:aws:sqs:us-east-1:123456789012:reports-dlq";
    expect(deadLetterTargetArn(JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 5 }))).toBe(arn);
    expect(deadLetterTargetArn(undefined)).toBeUndefined();
    expect(deadLetterTargetArn("")).toBeUndefined();
    expect(deadLetterTargetArn("{not json")).toBeUndefined();
    expect(deadLetterTargetArn('{"deadLetterTargetArn":7}')).toBeUndefined();
  });
});
