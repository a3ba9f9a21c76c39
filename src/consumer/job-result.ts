import { ValidationError } from "../core/errors.ts";
import { toJsonValue } from "../core/json-value.ts";
import { validate } from "../core/schema.ts";
import type { HandledJob } from "./handle.ts";

/**
 * Largest result stored in the ledger, as JSON: DynamoDB's item limit is 400 KB, and the rest of
 * the entry needs room.
 */
export const MAX_RESULT_BYTES = 350_000;

/**
 * A handler's return value against the job's `result` schema: the JSON to store, or why it
 * cannot be (it fails the schema, JSON cannot carry it, or it is too large). Undefined JSON for a
 * job without a result schema: nothing is stored.
 */
export async function checkResult(
  job: HandledJob,
  value: unknown,
  maxBytes: number = MAX_RESULT_BYTES,
): Promise<{ ok: true; json: string | undefined } | { ok: false; error: ValidationError }> {
  if (job.result === undefined) return { ok: true, json: undefined };
  const subject = { subject: `result of job "${job.name}" is` };
  const converted = toJsonValue(value, "result");
  if (!converted.ok) return { ok: false, error: new ValidationError(job.name, converted.issues, subject) };
  const checked = await validate(job.result, converted.wire, job);
  if (!checked.ok) return { ok: false, error: new ValidationError(job.name, checked.issues, subject) };
  const bytes = Buffer.byteLength(converted.json);
  if (bytes > maxBytes) {
    const message = `result is ${bytes} bytes of JSON, above the ledger's limit of ${MAX_RESULT_BYTES}; give the queue a payload bucket (JobQueue({ payloads: {} }), or SQS_JOBS_PAYLOAD_BUCKET) to store it in S3 (docs/payloads.md)`;
    return {
      ok: false,
      error: new ValidationError(job.name, [{ path: [], kind: "too_large", message }], subject),
    };
  }
  return { ok: true, json: converted.json };
}
