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

export interface ValidateOptions {
  /**
   * Keep each issue's message as the schema library wrote it. Off by default: libraries quote the
   * rejected value (valibot: `Invalid email: Received "alice@example.com"`), and issues end up in
   * errors, logs and dead-letter attributes. A {@link JobDefinition} fits here as it is.
   * @default false
   */
  readonly includeIssueMessages?: boolean;
}

/** The kind of an issue thrown by the schema itself (a transform calling JSON.parse on bad input...). */
export const SCHEMA_THREW = "schema_threw";

/** What a kind may look like: zod's codes, valibot's types. Anything else is not shown. */
const KIND = /^[A-Za-z][\w.:-]{0,63}$/;

/** zod's `code`, else valibot's `type` or `kind`, else "invalid": a label, never a value. */
function kindOf(issue: object): string {
  const { code, type, kind } = issue as { code?: unknown; type?: unknown; kind?: unknown };
  const label = [code, type, kind].find((candidate) => typeof candidate === "string");
  return typeof label === "string" && KIND.test(label) ? label : "invalid";
}

function pathOf(issue: StandardSchemaV1.Issue): PropertyKey[] {
  return (issue.path ?? []).map((segment) =>
    typeof segment === "object" && segment !== null ? segment.key : segment,
  );
}

/** A bare type name (zod's and valibot's `expected` for a wrong type) is the schema's, not the payload's. */
const TYPE_NAME = /^[a-z]{1,20}$/i;

/** The kind, and the expected type when the library names one: `invalid_type (expected number)`. */
function describeIssue(issue: object, kind: string): string {
  const { expected } = issue as { expected?: unknown };
  return typeof expected === "string" && TYPE_NAME.test(expected) ? `${kind} (expected ${expected})` : kind;
}

function toIssue(issue: StandardSchemaV1.Issue, options: ValidateOptions | undefined): ValidationIssue {
  const kind = kindOf(issue);
  const message =
    options?.includeIssueMessages === true && typeof issue.message === "string"
      ? issue.message
      : describeIssue(issue, kind);
  return { path: pathOf(issue), kind, message };
}

/**
 * The class of a thrown value, read defensively: the value may be a revoked Proxy or have
 * throwing getters, and its message is never read (errors thrown by JSON.parse quote the input).
 */
function thrownClass(thrown: unknown): string {
  if (typeof thrown !== "object" && typeof thrown !== "function") return typeof thrown;
  if (thrown === null) return "null";
  try {
    const name: unknown = Object.getPrototypeOf(thrown)?.constructor?.name;
    return typeof name === "string" && KIND.test(name) ? name : "an object";
  } catch {
    return "an object";
  }
}

function threw<T>(thrown: unknown): ValidationResult<T> {
  return {
    ok: false,
    issues: [{ path: [], kind: SCHEMA_THREW, message: `schema threw ${thrownClass(thrown)}` }],
  };
}

function toResult<T>(
  result: StandardSchemaV1.Result<T>,
  options: ValidateOptions | undefined,
): ValidationResult<T> {
  try {
    if (result.issues === undefined) return { ok: true, value: result.value };
    return { ok: false, issues: result.issues.map((issue) => toIssue(issue, options)) };
  } catch (error) {
    // A library outside the Standard Schema contract (issues that are not objects...).
    return threw(error);
  }
}

/**
 * Validates with the schema. Never rejects: a schema that throws (a transform, refine or
 * superRefine) or rejects gives one issue of kind {@link SCHEMA_THREW}, so the caller can treat
 * the payload as invalid like any other.
 *
 * @example
 * const checked = await validate(job.schema, payload, job);
 * if (!checked.ok) throw new ValidationError(job.name, checked.issues);
 */
export async function validate<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
  options?: ValidateOptions,
): Promise<ValidationResult<T>> {
  try {
    return toResult(await schema["~standard"].validate(value), options);
  } catch (error) {
    return threw(error);
  }
}

/**
 * Validates now, for a caller that cannot wait (a CDK synth): undefined when the schema validates
 * asynchronously. Its promise is then left to settle on its own, its rejection swallowed (an
 * unhandled one would end the process). Anything that can wait uses {@link validate}.
 */
export function validateNow<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
  options?: ValidateOptions,
): ValidationResult<T> | undefined {
  let result: StandardSchemaV1.Result<T> | Promise<StandardSchemaV1.Result<T>>;
  try {
    result = schema["~standard"].validate(value);
    // Inside the try: even `instanceof` throws on a revoked Proxy.
    if (!(result instanceof Promise)) return toResult(result, options);
  } catch (error) {
    return threw(error);
  }
  result.catch(() => undefined);
  return undefined;
}
