import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ValidationIssue } from "./errors.ts";

/**
 * Any schema that implements the Standard Schema interface: zod 4 (`zod` and `zod/mini`),
 * valibot, arktype... sqs-jobs never imports a schema library itself, so a Lambda bundle carries
 * only the one the user picked.
 */
export type JobSchema = StandardSchemaV1;

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

function toResult<T>(result: StandardSchemaV1.Result<T>): ValidationResult<T> {
  if (result.issues === undefined) return { ok: true, value: result.value };
  return {
    ok: false,
    issues: result.issues.map((issue) => ({
      message: issue.message,
      path: (issue.path ?? []).map((segment) => (typeof segment === "object" ? segment.key : segment)),
    })),
  };
}

/**
 * Validates with the schema. Stays synchronous when the schema is (the common case), so the hot
 * path of a batch does not pay for a promise per record.
 */
export function validate<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
): ValidationResult<T> | Promise<ValidationResult<T>> {
  const result = schema["~standard"].validate(value);
  return result instanceof Promise ? result.then(toResult) : toResult(result);
}
