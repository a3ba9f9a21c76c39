import type { MessageAttributeValue } from "@aws-sdk/client-sqs";

/**
 * One message attribute's share of a message's size, as SQS counts it against
 * `MaximumMessageSize`: the UTF-8 bytes of its name, its data type and its value.
 */
export function attributeBytes(name: string, value: MessageAttributeValue): number {
  return (
    Buffer.byteLength(name, "utf8") +
    Buffer.byteLength(value.DataType ?? "", "utf8") +
    Buffer.byteLength(value.StringValue ?? "", "utf8") +
    (value.BinaryValue?.byteLength ?? 0)
  );
}

/** A message's size as SQS counts it: the body's UTF-8 bytes plus every attribute's. */
export function messageBytes(
  body: string,
  attributes: Readonly<Record<string, MessageAttributeValue>> = {},
): number {
  return Buffer.byteLength(body, "utf8") + attributesBytes(attributes);
}

/** The attributes' share of a message's size (see {@link attributeBytes}). */
export function attributesBytes(attributes: Readonly<Record<string, MessageAttributeValue>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(attributes)) size += attributeBytes(name, value);
  return size;
}
