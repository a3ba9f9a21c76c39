import { callbackIdProblem } from "./callback-id.ts";
import { EnvelopeError } from "./errors.ts";
import { isIsoDate } from "./iso-date.ts";
import type { EnvelopeTrace } from "./trace-context.ts";

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
  /** Present on runs of a periodic schedule (`JobQueue.schedule`). */
  readonly schedule?: EnvelopeSchedule;
  /**
   * The producer's trace where no message attribute carries it: sends for later (EventBridge
   * Scheduler) and calls. Read leniently: a malformed value is ignored, never poison.
   */
  readonly trace?: EnvelopeTrace;
  /** A durable function's callback the consumer completes when the job ends (docs/durable.md). */
  readonly callbackId?: string;
  /** Present on a job of a flow: a child or a continuation (docs/flows.md). */
  readonly flow?: EnvelopeFlow;
  readonly payload: unknown;
}

/**
 * Where a job sits in a flow (docs/flows.md): `"flow":{"parentId":"...","rootId":"..."}`, plus
 * `flowId` and `index` on a child counted by a fan-in, or `thenOf` on a continuation.
 */
export interface EnvelopeFlow {
  /** The job that sent it (for `client.flow`, the flow's own id). */
  readonly parentId: string;
  /** The first job of the tree. */
  readonly rootId: string;
  /** The fan-in this child counts toward. */
  readonly flowId?: string;
  /** The child's position in that fan-in (its counter slot). */
  readonly index?: number;
  /** This job is the continuation of that flow. */
  readonly thenOf?: string;
}

/** What overlapping runs of one schedule may do. */
export type OverlapPolicy = "skip" | "allow";

/**
 * The periodic schedule a job run came from, written by `JobQueue.schedule` into the schedule's
 * input: `"schedule":{"name":"nightly-report","overlap":"skip"}`. With `overlap: "skip"` a run
 * that finds the previous run of the same schedule still working is recorded as skipped and does
 * not run. The run's `enqueuedAt` is the time it was scheduled for, the same on every delivery of
 * that run.
 */
export interface EnvelopeSchedule {
  /** Unique among the schedules of one queue; letters, digits, `-`, `_` and `.`, at most 64. */
  readonly name: string;
  readonly overlap: OverlapPolicy;
}

const KNOWN_KEYS = new Set([
  "sqsJobs",
  "job",
  "id",
  "enqueuedAt",
  "schedule",
  "trace",
  "callbackId",
  "flow",
  "payload",
]);
const SCHEDULE_KEYS = new Set(["name", "overlap"]);
const FLOW_KEYS = new Set(["parentId", "rootId", "flowId", "index", "thenOf"]);

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
  if (value.schedule !== undefined) problems.push(...scheduleProblems(value.schedule));
  // Its contents are checked where they are used (trace-context.ts): a bad header never fails a job.
  if (value.trace !== undefined && !isRecord(value.trace))
    problems.push('"trace" must be an object when present');
  const callback =
    value.callbackId === undefined ? undefined : callbackIdProblem(value.callbackId, '"callbackId"');
  if (callback !== undefined) problems.push(callback);
  if (value.flow !== undefined) problems.push(...flowProblems(value.flow));
  if (!("payload" in value)) problems.push('"payload" is missing');
  for (const key of Object.keys(value)) {
    if (!KNOWN_KEYS.has(key)) problems.push(`unknown field "${key.slice(0, 40)}"`);
  }
  return problems;
}

function scheduleProblems(schedule: unknown): string[] {
  if (!isRecord(schedule)) return ['"schedule" must be an object when present'];
  const problems: string[] = [];
  if (!nonEmptyString(schedule.name)) problems.push('"schedule.name" must be a non-empty string');
  if (schedule.overlap !== "skip" && schedule.overlap !== "allow") {
    problems.push('"schedule.overlap" must be "skip" or "allow"');
  }
  for (const key of Object.keys(schedule)) {
    if (!SCHEDULE_KEYS.has(key)) problems.push(`unknown field "schedule.${key.slice(0, 40)}"`);
  }
  return problems;
}

function flowProblems(flow: unknown): string[] {
  if (!isRecord(flow)) return ['"flow" must be an object when present'];
  const problems: string[] = [];
  for (const field of ["parentId", "rootId"]) {
    if (!nonEmptyString(flow[field])) problems.push(`"flow.${field}" must be a non-empty string`);
  }
  for (const field of ["flowId", "thenOf"]) {
    if (flow[field] !== undefined && !nonEmptyString(flow[field])) {
      problems.push(`"flow.${field}" must be a non-empty string when present`);
    }
  }
  const { index } = flow;
  if (index !== undefined && !(Number.isSafeInteger(index) && (index as number) >= 0)) {
    problems.push('"flow.index" must be a whole number >= 0 when present');
  }
  if ((flow.flowId === undefined) !== (index === undefined)) {
    problems.push('"flow.flowId" and "flow.index" go together');
  }
  for (const key of Object.keys(flow)) {
    if (!FLOW_KEYS.has(key)) problems.push(`unknown field "flow.${key.slice(0, 40)}"`);
  }
  return problems;
}
