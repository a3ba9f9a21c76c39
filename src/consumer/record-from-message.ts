import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { SqsMessageAttribute, SqsRecord } from "./lambda-types.ts";

/**
 * The record Lambda's poller builds from a received message: the one mapping from the SDK's
 * `Message` to {@link SqsRecord}, for the worker, `sqs-jobs dev` and the tests.
 */
export function recordFromMessage(message: Message, eventSourceARN?: string): SqsRecord {
  const attributes = message.Attributes ?? {};
  const messageAttributes: Record<string, SqsMessageAttribute> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      stringValue: value.StringValue,
      binaryValue:
        value.BinaryValue === undefined ? undefined : Buffer.from(value.BinaryValue).toString("base64"),
      dataType: value.DataType ?? "String",
    };
  }
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp,
      SentTimestamp: attributes.SentTimestamp,
      MessageGroupId: attributes.MessageGroupId,
    },
    messageAttributes,
    eventSourceARN,
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
