import { EnvelopeError } from "./errors.ts";
import { isIsoDate } from "./iso-date.ts";

/** The envelope version this release writes and reads. */
export const ENVELOPE_VERSION = 1;

/**
 * The message body sqs-jobs writes:
 * `{"sqsJobs":1,"job":"resize-image","id":"0193...","enqueuedAt":"2026-...Z","payload":{...}}`.
 * The `sqsJobs` key carries the version and marks the body as ours. `id` and `enqueuedAt` may be
 * left out by producers that cannot make them (a fixed EventBridge Scheduler input, a hand-typed
 * CLI message): the consumer then uses the SQS message id and sent timestamp.
 */
export interface Envelope {
  readonly sqsJobs?: number;
  readonly job: string;
  readonly id?: string;
  readonly enqueuedAt?: string;
  readonly payload: unknown;
}

const KNOWN_KEYS = new Set(["sqsJobs", "job", "id", "enqueuedAt", "payload"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses a message body strictly. Also accepts the body SNS delivers to SQS when raw message
 * delivery is off (a notification whose `Message` is the envelope). Throws {@link EnvelopeError}
 * saying what is wrong, never echoing the body.
 */
export function decodeEnvelope(body: string): Envelope {
  const written = readAsWritten(body);
  if (written !== undefined) return written;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw new EnvelopeError(`message body is not JSON (${body.length} characters)`, { cause });
  }
  if (isRecord(parsed) && parsed.Type === "Notification" && typeof parsed.Message === "string") {
    return decodeEnvelope(parsed.Message);
  }
  if (!isRecord(parsed)) {
    throw new EnvelopeError(
      `message body is JSON but not an object (got ${Array.isArray(parsed) ? "array" : typeof parsed})`,
    );
  }
  return checkEnvelope(parsed);
}

function checkEnvelope(value: Record<string, unknown>): Envelope {
  const version = value.sqsJobs;
  if (version === undefined) {
    throw new EnvelopeError(
      'message body is not an sqs-jobs envelope: the "sqsJobs" version field is missing; send jobs with JobClient or the CLI',
    );
  }
  // Only a whole number is echoed: any other value is body content (and may be megabytes).
  if (!Number.isSafeInteger(version)) {
    throw new EnvelopeError(
      `envelope version must be a whole number (this release reads ${ENVELOPE_VERSION}), but "sqsJobs" holds ${version === null ? "null" : Array.isArray(version) ? "an array" : `a ${typeof version}`}`,
    );
  }
  if (version !== ENVELOPE_VERSION) {
    throw new EnvelopeError(
      `envelope version ${String(version)} is not supported by this release (it reads version ${ENVELOPE_VERSION}); upgrade sqs-jobs on the consumer`,
    );
  }
  if (isWellFormed(value)) return value as unknown as Envelope;
  throw new EnvelopeError(`invalid sqs-jobs envelope: ${problemsOf(value).join("; ")}`);
}

const nonEmptyString = (value: unknown): boolean => typeof value === "string" && value !== "";

/** The check every record pays for: no allocation, so it costs next to nothing beside JSON.parse. */
function isWellFormed(value: Record<string, unknown>): boolean {
  if (!nonEmptyString(value.job)) return false;
  if (value.id !== undefined && !nonEmptyString(value.id)) return false;
  if (value.enqueuedAt !== undefined && !isIsoDate(value.enqueuedAt)) return false;
  if (!("payload" in value)) return false;
  // A switch on the keys JSON.parse interned is twice as fast as Set.has here.
  for (const key in value) {
    switch (key) {
      case "sqsJobs":
      case "job":
      case "id":
      case "enqueuedAt":
      case "payload":
        continue;
      default:
        return false;
    }
  }
  return true;
}

/** Everything wrong with an envelope that failed {@link isWellFormed}, for its error message. */
function problemsOf(value: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!nonEmptyString(value.job)) problems.push('"job" must be a non-empty string');
  if (value.id !== undefined && !nonEmptyString(value.id)) {
    problems.push('"id" must be a non-empty string when present');
  }
  if (value.enqueuedAt !== undefined && !isIsoDate(value.enqueuedAt)) {
    problems.push('"enqueuedAt" must be an ISO 8601 date string when present');
  }
  if (!("payload" in value)) problems.push('"payload" is missing');
  for (const key of Object.keys(value)) {
    if (!KNOWN_KEYS.has(key)) problems.push(`unknown field "${key.slice(0, 40)}"`);
  }
  return problems;
}

/**
 * The header of a body exactly as {@link encodeEnvelopeJson} writes it, up to the payload: the job
 * name and id as JSON strings with no escape or control character (so their text is their value)
 * and the date as `Date.toISOString()` writes it.
 */
const WRITTEN_HEAD = new RegExp(
  `^\\{"sqsJobs":${ENVELOPE_VERSION},"job":"([^"\\\\\\x00-\\x1f]+)","id":"([^"\\\\\\x00-\\x1f]+)","enqueuedAt":"(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z)","payload":`,
);

/**
 * The fast path for a body exactly as {@link encodeEnvelopeJson} writes it: one regular
 * expression reads the header and only the payload goes through JSON.parse (the header is half
 * of a typical body, and JSON.parse is most of what a record costs). Any deviation (whitespace,
 * another key order, an escape, a missing field, SNS wrapping) returns undefined and the full
 * path decides, so both paths accept the same bodies with the same result: the header is the
 * fixed start of a valid object, and the rest up to the closing brace is the payload's text,
 * checked by JSON.parse itself.
 */
function readAsWritten(body: string): Envelope | undefined {
  const head = WRITTEN_HEAD.exec(body);
  if (head === null || body.charCodeAt(body.length - 1) !== 125 /* } */) return undefined;
  if (!isIsoDate(head[3])) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(body.slice(head[0].length, -1));
  } catch {
    return undefined;
  }
  return { sqsJobs: ENVELOPE_VERSION, job: head[1] as string, id: head[2], enqueuedAt: head[3], payload };
}

/**
 * Builds the envelope around a payload already serialised to JSON, so a payload is stringified
 * once per send.
 */
export function encodeEnvelopeJson(job: string, id: string, enqueuedAt: string, payloadJson: string): string {
  return `{"sqsJobs":${ENVELOPE_VERSION},"job":${JSON.stringify(job)},"id":"${id}","enqueuedAt":"${enqueuedAt}","payload":${payloadJson}}`;
}
