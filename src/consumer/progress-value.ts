import { SqsJobsError } from "../core/errors.ts";
import { toJsonValue } from "../core/json-value.ts";

/**
 * The largest `ctx.progress` value, as JSON bytes: room for counts and a stage name, small enough
 * that a write per second costs one write unit (1 KB) and never crowds the 400 KB entry.
 */
export const MAX_PROGRESS_BYTES = 1_024;

/** `ctx.progress` was given a value that is not JSON, or larger than {@link MAX_PROGRESS_BYTES}. */
export class ProgressError extends SqsJobsError {
  override readonly name: string = "ProgressError";

  constructor(message: string) {
    super("ERR_PROGRESS", message);
  }
}

/**
 * The JSON a progress value is stored as.
 * @throws {ProgressError} it is not JSON (or JSON changes it), or too large
 */
export function progressJson(value: unknown): string {
  const checked = toJsonValue(value, "progress");
  if (!checked.ok) {
    throw new ProgressError(
      `ctx.progress takes a JSON value: ${checked.issues.map((issue) => issue.message).join("; ")}`,
    );
  }
  const bytes = Buffer.byteLength(checked.json);
  if (bytes > MAX_PROGRESS_BYTES) {
    throw new ProgressError(
      `ctx.progress takes at most ${MAX_PROGRESS_BYTES} bytes of JSON, but ${bytes} were given: report counts and a stage, and store larger data elsewhere`,
    );
  }
  return checked.json;
}
