import { isTableMissing } from "sqs-jobs/internal/core/aws-errors";
import { optionalEnv } from "sqs-jobs/internal/core/env";
import { ConfigError } from "sqs-jobs/internal/core/errors";
import type { Ledger } from "sqs-jobs/internal/ledger/ledger";
import { LEDGER_TABLE_ENV } from "sqs-jobs/internal/ledger/table-layout";
import { type OptionValues, stringOption } from "./command.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./usage-error.ts";

/** The option every `jobs` command takes, and its help line. */
export const TABLE_OPTION = { table: { type: "string" } } as const;
export const TABLE_HELP = `  --table T   the ledger's DynamoDB table (default: ${LEDGER_TABLE_ENV})`;

/**
 * Runs `read` on the job ledger named by `--table`, else `SQS_JOBS_LEDGER_TABLE`, through the
 * CLI's DynamoDB client (same endpoint, region and credentials as its other clients).
 *
 * @throws {UsageError} neither names a table
 * @throws {ConfigError} the table does not exist there
 */
export async function readLedger<T>(
  ctx: CliContext,
  values: OptionValues,
  read: (ledger: Ledger) => Promise<T>,
): Promise<T> {
  const fromOption = stringOption(values, "table");
  const tableName = fromOption ?? optionalEnv(LEDGER_TABLE_ENV);
  if (tableName === undefined || tableName === "") {
    throw new UsageError(
      `no ledger table given: pass --table NAME or set ${LEDGER_TABLE_ENV} (the job ledger's DynamoDB table)`,
    );
  }
  // Loaded here, not at the top: the ledger brings the DynamoDB SDK, which other commands skip.
  const { Ledger } = await import("sqs-jobs/internal/ledger/ledger");
  // The CLI only reads; the retention applies to writes.
  const ledger = new Ledger({ client: await ctx.dynamodb(), tableName, retentionDays: 14 });
  try {
    return await read(ledger);
  } catch (error) {
    if (!isTableMissing(error)) throw error;
    throw new ConfigError(
      `the ledger table "${tableName.slice(0, 255)}" (from ${fromOption === undefined ? LEDGER_TABLE_ENV : "--table"}) does not exist in this account and region (or the endpoint is wrong); check the table name, AWS_REGION / --region and --endpoint / AWS_ENDPOINT_URL_DYNAMODB`,
      { cause: error },
    );
  }
}
