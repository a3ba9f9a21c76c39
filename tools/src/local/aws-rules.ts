import type { ApiResponse } from "./local-request.ts";

/**
 * What fauxqs lets through and SQS refuses, for the sends sqs-jobs makes. `sqs-jobs dev`, the
 * testing kit and this repository's test rig apply these rules in front of fauxqs, so a message
 * AWS would refuse (a NUL in a dead-letter attribute, a surrogate pair cut in half by a
 * truncation) fails a test instead of a deployment.
 */

/** The characters SQS accepts in a body and in a String attribute value (XML 1.0's). */
const INVALID_CHARACTER = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ALLOWED = "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[\x20-\x7e]+)?$/;
const MAX_ATTRIBUTES = 10;

export interface AwsRuleViolation {
  /** The error code SQS answers with (`__type` after the `#`). */
  readonly code: "InvalidParameterValue" | "InvalidMessageContents";
  readonly message: string;
}

interface SendEntry {
  readonly MessageBody?: unknown;
  readonly MessageAttributes?: Record<string, { DataType?: unknown; StringValue?: unknown }>;
}

function hex(text: string, at: number): string {
  return `#x${(text.codePointAt(at) ?? 0).toString(16).toUpperCase()}`;
}

function entryViolation(entry: SendEntry): AwsRuleViolation | undefined {
  if (typeof entry.MessageBody === "string") {
    const bad = INVALID_CHARACTER.exec(entry.MessageBody);
    if (bad !== null) {
      return {
        code: "InvalidMessageContents",
        message: `Invalid binary character '${hex(entry.MessageBody, bad.index)}' was found in the message body, the set of allowed characters is ${ALLOWED}`,
      };
    }
  }
  const attributes = Object.entries(entry.MessageAttributes ?? {});
  if (attributes.length > MAX_ATTRIBUTES) {
    return {
      code: "InvalidParameterValue",
      message: `Number of message attributes [${attributes.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    };
  }
  for (const [name, value] of attributes) {
    if (
      !ATTRIBUTE_NAME.test(name) ||
      name.startsWith(".") ||
      name.endsWith(".") ||
      name.includes("..") ||
      /^(aws|amazon)\./i.test(name)
    ) {
      return {
        code: "InvalidParameterValue",
        message: `Message (user) attribute name '${name}' is invalid.`,
      };
    }
    const type = value.DataType;
    if (typeof type !== "string" || type.length > 256 || !DATA_TYPE.test(type)) {
      return {
        code: "InvalidParameterValue",
        message: `The type of message (user) attribute '${name}' is invalid.`,
      };
    }
    if (type.startsWith("Binary")) continue;
    const text = value.StringValue;
    if (typeof text !== "string" || text === "") {
      return {
        code: "InvalidParameterValue",
        message: `Message (user) attribute '${name}' must contain a non-empty value of type '${type}'.`,
      };
    }
    const bad = INVALID_CHARACTER.exec(text);
    if (bad !== null) {
      return {
        code: "InvalidParameterValue",
        message: `Message (user) attribute '${name}' value contains invalid binary character '${hex(text, bad.index)}'. You must use only the following supported characters: ${ALLOWED}.`,
      };
    }
    if (type.startsWith("Number") && !Number.isFinite(Number(text))) {
      return {
        code: "InvalidParameterValue",
        message: `Could not cast message attribute '${name}' value to number.`,
      };
    }
  }
  return undefined;
}

/**
 * The first rule a JSON-protocol request breaks, or undefined. Only SendMessage and
 * SendMessageBatch are checked: the only calls that carry bodies and attributes. A batch with one
 * bad entry is refused whole, which is stricter than needed but enough to fail a test.
 */
export function awsRuleViolation(target: string | undefined, body: unknown): AwsRuleViolation | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  if (target === "AmazonSQS.SendMessage") return entryViolation(body as SendEntry);
  if (target === "AmazonSQS.SendMessageBatch") {
    const entries: unknown = (body as { Entries?: unknown }).Entries;
    if (!Array.isArray(entries)) return undefined;
    for (const entry of entries as SendEntry[]) {
      const violation = entryViolation(entry);
      if (violation !== undefined) return violation;
    }
  }
  return undefined;
}

/** The SQS targets {@link awsRuleViolation} checks: the calls that carry bodies and attributes. */
export function isCheckedSend(target: string | undefined): boolean {
  return target === "AmazonSQS.SendMessage" || target === "AmazonSQS.SendMessageBatch";
}

/**
 * SQS's answer to a request that breaks a rule, in the AWS JSON 1.0 protocol the SDK speaks. Both
 * codes are common errors, whose legacy query code (which the SDK takes as the error's name) has
 * no "AWS.SimpleQueueService." prefix.
 */
export function violationResponse(violation: AwsRuleViolation): ApiResponse {
  return {
    status: 400,
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-query-error": `${violation.code};Sender`,
    },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${violation.code}`, message: violation.message }),
  };
}
