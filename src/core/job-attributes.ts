import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { ValidationIssue } from "./errors.ts";

/** A filterable attribute's value: SNS filter policies match strings and numbers. */
export type JobAttributeValue = string | number;

/** Checked bivariantly, like the other payload callbacks of a job definition. */
type AttributeFn<Payload> = {
  bivarianceHack(payload: Payload): JobAttributeValue | undefined;
}["bivarianceHack"];

/**
 * Message attributes a job's published messages carry, each a function of the validated payload
 * (`undefined`: the attribute is left out). Their names are what a topic subscription may filter on.
 */
export type JobAttributes<Payload> = Readonly<Record<string, AttributeFn<Payload>>>;

/**
 * At most 5: SNS hands at most 10 message attributes on to a queue with raw delivery, and
 * sqs-jobs keeps the rest for its own (the job name, the topic, trace context). A filter policy
 * takes at most 5 keys anyway.
 */
export const MAX_JOB_ATTRIBUTES = 5;

/**
 * SNS's rule for attribute names (letters, digits, `_-.`, no leading, trailing or double dot, at
 * most 256 characters), minus the prefixes AWS and sqs-jobs keep for themselves.
 */
const NAME = /^(?!\.)(?!.*\.\.)[A-Za-z0-9_.-]{1,256}(?<!\.)$/;
const RESERVED = /^(aws\.|amazon\.|sqs-jobs\.)/i;

/** Adds to `problems` what is wrong with a job definition's `attributes`. */
export function checkJobAttributes(attributes: unknown, problems: string[]): void {
  if (attributes === undefined) return;
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    problems.push(
      "attributes must be an object of functions of the payload, e.g. { region: (p) => p.region }",
    );
    return;
  }
  const names = Object.keys(attributes);
  if (names.length > MAX_JOB_ATTRIBUTES) {
    problems.push(`attributes may declare at most ${MAX_JOB_ATTRIBUTES}, but ${names.length} were declared`);
  }
  for (const name of names) {
    if (!NAME.test(name) || RESERVED.test(name)) {
      problems.push(
        `attribute name "${name.slice(0, 60)}" must be 1-256 letters, digits and "_-." (no leading, trailing or double dot) and not start with AWS., Amazon. or sqs-jobs.`,
      );
    }
    if (typeof (attributes as Record<string, unknown>)[name] !== "function") {
      problems.push(`attributes.${name.slice(0, 60)} must be a function of the payload`);
    }
  }
}

/**
 * The message attributes a payload gives, as SNS and SQS take them. A value of another type, a
 * number that is not finite, or a function that throws is an issue at `attributes.<name>`
 * (the value itself is never quoted).
 */
export function jobAttributeValues(
  attributes: JobAttributes<never>,
  payload: unknown,
): { ok: true; values: Record<string, MessageAttributeValue> } | { ok: false; issues: ValidationIssue[] } {
  const values: Record<string, MessageAttributeValue> = {};
  const issues: ValidationIssue[] = [];
  for (const [name, fn] of Object.entries(attributes)) {
    const path = ["attributes", name];
    let value: unknown;
    try {
      value = (fn as (payload: unknown) => unknown)(payload);
    } catch (error) {
      const kind = error instanceof Error ? error.name : typeof error;
      issues.push({ path, kind: "attribute", message: `the attribute function threw ${kind}` });
      continue;
    }
    if (value === undefined) continue;
    if (typeof value === "string" && value !== "") values[name] = { DataType: "String", StringValue: value };
    else if (typeof value === "number" && Number.isFinite(value)) {
      values[name] = { DataType: "Number", StringValue: String(value) };
    } else {
      issues.push({
        path,
        kind: "attribute",
        message: `an attribute must be a non-empty string, a finite number or undefined, but the function returned ${typeof value === "string" ? "an empty string" : typeof value}`,
      });
    }
  }
  return issues.length === 0 ? { ok: true, values } : { ok: false, issues };
}
