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
  const problems = problemsOf(value);
  if (problems.length > 0) throw new EnvelopeError(`invalid sqs-jobs envelope: ${problems.join("; ")}`);
  return value as unknown as Envelope;
}

const nonEmptyString = (value: unknown): boolean => typeof value === "string" && value !== "";

/** Everything wrong with an envelope of the right version, each naming the field, never its value. */
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
 * Builds the envelope around a payload already serialised to JSON, so a payload is stringified
 * once per send.
 */
export function encodeEnvelopeJson(job: string, id: string, enqueuedAt: string, payloadJson: string): string {
  return `{"sqsJobs":${ENVELOPE_VERSION},"job":${JSON.stringify(job)},"id":"${id}","enqueuedAt":"${enqueuedAt}","payload":${payloadJson}}`;
}
