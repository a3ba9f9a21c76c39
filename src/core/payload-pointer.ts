import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import { EnvelopeError } from "./errors.ts";

/**
 * The SQS Extended Client's pointer format (AWS's Java `amazon-sqs-java-extended-client-lib` and
 * Python `amazon-sqs-python-extended-client-lib`, both through `payload-offloading-java-common-lib`):
 * a message whose whole body was stored in S3 carries instead the body
 * `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b","s3Key":"k"}]` and the
 * message attribute `ExtendedPayloadSize` (DataType `Number`, the stored body's UTF-8 bytes).
 * Writing exactly that lets those clients read our large jobs, and reading it lets us read theirs.
 */

/** The pointer class current extended clients write. */
export const POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer";

/** The class the Java client's 1.x releases wrote; still read by both clients. */
const LEGACY_POINTER_CLASS = "com.amazon.sqs.javamessaging.MessageS3Pointer";

/** The reserved attribute marking a pointer message; its value is the stored body's size. */
export const EXTENDED_PAYLOAD_SIZE_ATTRIBUTE = "ExtendedPayloadSize";

/** The attribute's name before the clients renamed it; read, never written. */
export const LEGACY_PAYLOAD_SIZE_ATTRIBUTE = "SQSLargePayloadSize";

/** The prefix of the keys sqs-jobs writes, which `JobQueue`'s lifecycle rule expires. */
export const PAYLOAD_KEY_PREFIX = "sqs-jobs/";

/** Where an offloaded body is: the object holding the whole message body (our envelope). */
export interface PayloadPointer {
  readonly bucket: string;
  readonly key: string;
}

/** The pointer body, as the Java client (Jackson, no spaces) writes it. */
export function pointerBody(pointer: PayloadPointer): string {
  return JSON.stringify([POINTER_CLASS, { s3BucketName: pointer.bucket, s3Key: pointer.key }]);
}

/** The reserved attribute for a stored body of `sizeBytes`. */
export function pointerAttribute(sizeBytes: number): Record<string, MessageAttributeValue> {
  return { [EXTENDED_PAYLOAD_SIZE_ATTRIBUTE]: { DataType: "Number", StringValue: String(sizeBytes) } };
}

/**
 * The pointer a body holds, or undefined when it is not one. A pointer is told by the body alone
 * (a JSON array naming a pointer class): our envelope is always a JSON object, and EventBridge
 * Scheduler, which sends our jobs for later, cannot set message attributes, so the reserved
 * attribute cannot be required. A body that names a pointer class but lacks a bucket or key is
 * an {@link EnvelopeError} (poison), never a guess.
 */
export function parsePointer(body: string): PayloadPointer | undefined {
  // Cheap test first: every body passes here, and most are envelopes.
  if (!body.trimStart().startsWith("[")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || (parsed[0] !== POINTER_CLASS && parsed[0] !== LEGACY_POINTER_CLASS)) {
    return undefined;
  }
  const target: unknown = parsed[1];
  if (parsed.length === 2 && typeof target === "object" && target !== null) {
    const { s3BucketName, s3Key } = target as { s3BucketName?: unknown; s3Key?: unknown };
    if (
      typeof s3BucketName === "string" &&
      s3BucketName !== "" &&
      typeof s3Key === "string" &&
      s3Key !== ""
    ) {
      return { bucket: s3BucketName, key: s3Key };
    }
  }
  throw new EnvelopeError(
    `message body is an S3 payload pointer (${String(parsed[0])}) without a bucket name and key: it must be [class, {"s3BucketName": ..., "s3Key": ...}]`,
  );
}
