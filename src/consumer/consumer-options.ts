import { ConfigError } from "../core/errors.ts";
import { type LedgerOptions, ledgerFrom } from "../ledger/ledger-options.ts";
import { LEDGER_TABLE_ENV } from "../ledger/table-layout.ts";
import type { JobHandler } from "./handle.ts";
import { JobTracking } from "./job-tracking.ts";
import type { LevelLogger } from "./logger.ts";

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

/**
 * The ledger collaborator for a consumer (undefined when the ledger is off), or `missing`: a job
 * has a concurrency limit, a rate limit or a debounce, which only the ledger can keep. A value,
 * not a throw: the Lambda handler is built at import, which must not fail (a test imports it
 * without the table's variable), so it fails its invocations instead; the worker throws at once.
 */
export function trackingFor(
  handlers: readonly JobHandler[],
  option: LedgerOptions | false | undefined,
  logger: LevelLogger,
): { readonly tracking?: JobTracking; readonly missing?: ConfigError } {
  const connect = ledgerFrom(option);
  if (connect === undefined) {
    for (const { job } of handlers) {
      const needs =
        job.concurrency !== undefined
          ? "a concurrency limit"
          : job.rateLimit !== undefined
            ? "a rate limit"
            : job.debounce !== undefined
              ? "a debounce"
              : undefined;
      if (needs === undefined) continue;
      const missing = new ConfigError(
        `job "${job.name}" has ${needs}, which needs the job ledger: give the queue a JobLedger (JobQueue({ ledger })), or pass ledger: { tableName } (it reads ${LEDGER_TABLE_ENV} by default)`,
      );
      return { missing };
    }
    return {};
  }
  return { tracking: new JobTracking(connect, logger) };
}
