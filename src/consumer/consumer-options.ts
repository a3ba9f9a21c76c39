import { ConfigError } from "../core/errors.ts";

/** A problem with an integer option, or undefined when it is absent or fits `min..max`. */
export function integerProblem(
  field: string,
  value: number | undefined,
  min: number,
  max: number,
): string | undefined {
  if (value === undefined || (Number.isInteger(value) && value >= min && value <= max)) return undefined;
  return `${field} must be an integer between ${min.toLocaleString("en-US")} and ${max.toLocaleString("en-US")}, but ${value} was provided`;
}

/** Throws one {@link ConfigError} listing every problem found (the undefined entries are none). */
export function assertOptions(subject: string, problems: readonly (string | undefined)[]): void {
  const found = problems.filter((p): p is string => p !== undefined);
  if (found.length > 0) throw new ConfigError(`${subject} options are invalid:\n  - ${found.join("\n  - ")}`);
}

/** An optional URL from the environment, trimmed; blank counts as unset. */
export function urlFromEnv(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}
