import { decodeEnvelope, type Envelope } from "sqs-jobs/internal/core/envelope";

/**
 * What a DLQ body is. `envelope`: an sqs-jobs envelope; `sns-envelope`: an SNS notification whose
 * `Message` is one; `sns`: an SNS notification around anything else; `json`: other JSON (a
 * foreign producer, an S3 pointer, a broken envelope); `text`: not JSON (base64, form data...).
 */
export type BodyFormat = "envelope" | "sns-envelope" | "sns" | "json" | "text";

/** The envelope's fields that say which job a message is: never its payload. */
export type EnvelopeHeader = Omit<Envelope, "payload">;

export interface DeadLetterBody {
  readonly format: BodyFormat;
  /** The envelope without its payload, when the body is (or SNS wraps) a valid sqs-jobs envelope. */
  readonly header: EnvelopeHeader | undefined;
  /** The envelope's payload, or the whole body as text when it is not an envelope. */
  readonly payload: unknown;
}

/**
 * Reads a DLQ body for the dashboard. Only a body that decodes strictly as an envelope (the
 * consumer's own parser, so unknown fields fail) has fields shown without the token: any other
 * body is someone's data from its first byte, so all of it is payload.
 */
export function readDeadLetterBody(body: string): DeadLetterBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { format: "text", header: undefined, payload: body };
  }
  const sns =
    typeof parsed === "object" &&
    parsed !== null &&
    (parsed as { Type?: unknown }).Type === "Notification" &&
    typeof (parsed as { Message?: unknown }).Message === "string";
  let envelope: Envelope;
  try {
    envelope = decodeEnvelope(body);
  } catch {
    return { format: sns ? "sns" : "json", header: undefined, payload: body };
  }
  const { payload, ...header } = envelope;
  return { format: sns ? "sns-envelope" : "envelope", header, payload };
}
