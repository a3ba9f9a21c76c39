import { LEDGER_RETENTION_ENV, LEDGER_TABLE_ENV } from "sqs-jobs/internal/ledger/table-layout";

/**
 * The ledger variables a producer on this machine needs, taken from the functions' resolved
 * environments (JobLedger sets them on every function it is granted to). Empty when no function has
 * a ledger, or when functions name different tables: then there is no one answer to print.
 */
export function ledgerEnvironment(
  environments: readonly Readonly<Record<string, string>>[],
): Record<string, string> {
  const withLedger = environments.filter((env) => (env[LEDGER_TABLE_ENV] ?? "") !== "");
  const tables = new Set(withLedger.map((env) => env[LEDGER_TABLE_ENV]));
  const [first] = withLedger;
  if (first === undefined || tables.size !== 1) return {};
  const retention = first[LEDGER_RETENTION_ENV];
  return {
    [LEDGER_TABLE_ENV]: first[LEDGER_TABLE_ENV] ?? "",
    ...(retention === undefined ? {} : { [LEDGER_RETENTION_ENV]: retention }),
  };
}
