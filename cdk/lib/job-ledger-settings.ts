import { Token } from "aws-cdk-lib";
import type { JobLedgerProps } from "./job-ledger-props.ts";

/** The default retention of finished jobs: the dead-letter queue's, so a dead job's history outlives it. */
export const DEFAULT_RETENTION_DAYS = 14;
const MAX_RETENTION_DAYS = 3650;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export interface ResolvedLedgerSettings {
  readonly retentionDays: number;
  /** Errors: the construct refuses to synthesize. */
  readonly problems: readonly string[];
}

/** Checks every prop of a JobLedger at once, so one synth reports every problem. */
export function resolveLedgerSettings(props: JobLedgerProps): ResolvedLedgerSettings {
  const problems: string[] = [];
  const retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > MAX_RETENTION_DAYS) {
    problems.push(
      `retentionDays must be an integer between 1 and ${MAX_RETENTION_DAYS.toLocaleString("en-US")}, but ${retentionDays} was provided`,
    );
  }
  const name = props.tableName;
  // A token (a name built from other resources) is only known at deploy time.
  if (name !== undefined && !Token.isUnresolved(name) && !TABLE_NAME.test(name)) {
    problems.push(
      `tableName must be 3-255 letters, digits, "_", "-" and ".", but "${name.slice(0, 300)}" was provided`,
    );
  }
  return { retentionDays, problems };
}
