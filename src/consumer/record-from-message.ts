import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { SqsMessageAttribute, SqsRecord, SqsRecordAttributes } from "./lambda-types.ts";

/** The fields Lambda's poller adds to each record beyond what sqs-jobs reads. */
export interface LambdaSqsRecord extends SqsRecord {
  readonly attributes: SqsRecordAttributes & { readonly [name: string]: string | undefined };
  readonly md5OfBody: string | undefined;
  readonly eventSource: "aws:sqs";
  readonly awsRegion: string | undefined;
}

/**
 * The record Lambda's poller builds from a received message: the one mapping from the SDK's
 * `Message` to a Lambda SQS record, for the worker, `sqs-jobs dev` and the tests.
 */
export function recordFromMessage(
  message: Message,
  source: { readonly arn?: string | undefined; readonly region?: string | undefined } = {},
): LambdaSqsRecord {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.Attributes ?? {})) {
    if (value !== undefined) attributes[name] = value;
  }
  const messageAttributes: Record<string, SqsMessageAttribute> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      stringValue: value.StringValue,
      binaryValue:
        value.BinaryValue === undefined ? undefined : Buffer.from(value.BinaryValue).toString("base64"),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType ?? "String",
    };
  }
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: { ...attributes, ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1" },
    messageAttributes,
    md5OfBody: message.MD5OfBody,
    eventSource: "aws:sqs",
    eventSourceARN: source.arn,
    awsRegion: source.region,
  };
}

/** A record's message attributes as the SDK sends them, for a copy of the message. */
export function sdkAttributes(record: SqsRecord): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (value.stringValue !== undefined) {
      out[name] = { DataType: value.dataType, StringValue: value.stringValue };
    } else if (value.binaryValue !== undefined) {
      out[name] = { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, "base64") };
    }
  }
  return out;
}
