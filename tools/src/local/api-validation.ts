/**
 * AWS's input validation as its APIs word it, for the local Lambda and Scheduler APIs: each rule
 * of the service's model (required, type, range, pattern, enum) checked on the request, every
 * problem reported at once as "N validation errors detected: Value 'x' at 'member' failed to
 * satisfy constraint: ...", the ValidationException message clients (and people) know.
 */

/** One broken constraint: the value as it came, the member's path in AWS's camelCase, the rule. */
interface Violation {
  readonly value: unknown;
  readonly member: string;
  readonly constraint: string;
}

function validationMessage(violations: readonly Violation[]): string | undefined {
  if (violations.length === 0) return undefined;
  const each = violations.map(
    (v) => `Value ${shown(v.value)} at '${v.member}' failed to satisfy constraint: ${v.constraint}`,
  );
  const count = violations.length;
  return `${count} validation error${count === 1 ? "" : "s"} detected: ${each.join("; ")}`;
}

/**
 * As AWS quotes a value: `null`, else between single quotes, cut short. An object or an array is
 * shown by its kind only: it may be a job's payload (a Target.Input sent as JSON), which an error
 * never carries.
 */
function shown(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "[...]";
  if (typeof value === "object") return "{...}";
  const text = String(value);
  return `'${text.length > 100 ? `${text.slice(0, 100)}...` : text}'`;
}

/** A request body as an object of members: `null`, an array or a scalar has none. */
export function members(body: unknown): Readonly<Record<string, unknown>> {
  return typeof body === "object" && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/**
 * The checks of one request. Each records what the value breaks and answers whether the value is
 * there and good to use; an absent value breaks nothing but `required`.
 */
export class Checks {
  readonly violations: Violation[] = [];

  required(value: unknown, member: string): boolean {
    if (value !== undefined && value !== null) return true;
    this.violations.push({ value: null, member, constraint: "Member must not be null" });
    return false;
  }

  /** A number (an integer unless `integer` is false) in [min, max], when given. */
  number(
    value: unknown,
    member: string,
    range: { readonly min?: number; readonly max?: number; readonly integer?: boolean },
  ): value is number {
    if (value === undefined || value === null) return false;
    const integer = range.integer ?? true;
    if (typeof value !== "number" || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      this.violations.push({
        value,
        member,
        constraint: `Member must be ${integer ? "an integer" : "a number"}`,
      });
      return false;
    }
    if (range.min !== undefined && value < range.min) {
      this.violations.push({
        value,
        member,
        constraint: `Member must have value greater than or equal to ${range.min}`,
      });
      return false;
    }
    if (range.max !== undefined && value > range.max) {
      this.violations.push({
        value,
        member,
        constraint: `Member must have value less than or equal to ${range.max}`,
      });
      return false;
    }
    return true;
  }

  /** A number of seconds since the epoch that makes a date. */
  timestamp(value: unknown, member: string): value is number {
    if (value === undefined || value === null) return false;
    if (typeof value === "number" && Number.isFinite(new Date(value * 1000).getTime())) return true;
    this.violations.push({ value, member, constraint: "Member must be a timestamp" });
    return false;
  }

  string(value: unknown, member: string): value is string {
    if (value === undefined || value === null) return false;
    if (typeof value === "string") return true;
    this.violations.push({ value, member, constraint: "Member must be a string" });
    return false;
  }

  boolean(value: unknown, member: string): value is boolean {
    if (value === undefined || value === null) return false;
    if (typeof value === "boolean") return true;
    this.violations.push({ value, member, constraint: "Member must be a boolean" });
    return false;
  }

  oneOf<T extends string>(value: unknown, member: string, allowed: readonly T[]): value is T {
    if (value === undefined || value === null) return false;
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return true;
    this.violations.push({
      value,
      member,
      constraint: `Member must satisfy enum value set: [${allowed.join(", ")}]`,
    });
    return false;
  }

  pattern(value: string, member: string, pattern: RegExp, shownPattern: string): boolean {
    if (pattern.test(value)) return true;
    this.violations.push({
      value,
      member,
      constraint: `Member must satisfy regular expression pattern: ${shownPattern}`,
    });
    return false;
  }

  /** AWS's message for what failed so far, or undefined. */
  message(): string | undefined {
    return validationMessage(this.violations);
  }
}

/**
 * A path segment as its client encoded it, or undefined when it is not valid percent-encoding
 * (`%zz`): a name no AWS SDK would send, answered as a name that fails its pattern.
 */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
