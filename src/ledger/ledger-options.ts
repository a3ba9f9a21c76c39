import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { cachedUntilFailure } from "../core/cached-until-failure.ts";
import { optionalEnv } from "../core/env.ts";
import { ConfigError } from "../core/errors.ts";
import { dynamoDbClientConfig, loadDynamoDbSdk } from "./dynamodb-sdk.ts";
import type { Ledger } from "./ledger.ts";
import { LEDGER_RETENTION_ENV, LEDGER_TABLE_ENV } from "./table-layout.ts";

/**
 * Where the job ledger lives. Consumers and `JobClient` take it as `ledger`; without the option
 * they use the table `JobQueue({ ledger })` names in `SQS_JOBS_LEDGER_TABLE`, and `ledger: false`
 * turns it off.
 */
export interface LedgerOptions {
  /** @default the `SQS_JOBS_LEDGER_TABLE` environment variable */
  readonly tableName?: string;
  /** @default a client for the ambient region and credentials that honours `AWS_ENDPOINT_URL` */
  readonly dynamodb?: DynamoDBClient;
  /**
   * Days an entry is kept after its last change before DynamoDB's TTL deletes it.
   * @default `SQS_JOBS_LEDGER_RETENTION_DAYS`, else 14 (a DLQ's retention)
   */
  readonly retentionDays?: number;
}

/** Hands out the ledger; the DynamoDB SDK loads on the first call, so an untracked path never pays for it. */
export type LedgerConnect = () => Promise<Ledger>;

/** The ledger these options name, or undefined when it is off (no table configured, or `false`). */
export function ledgerFrom(option: LedgerOptions | false | undefined): LedgerConnect | undefined {
  if (option === false) return undefined;
  const tableName = option?.tableName ?? optionalEnv(LEDGER_TABLE_ENV);
  if (tableName === undefined) return undefined;
  const retentionDays = option?.retentionDays ?? Number(optionalEnv(LEDGER_RETENTION_ENV) ?? 14);
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 3650) {
    throw new ConfigError(
      `the ledger's retentionDays must be an integer between 1 and 3650, but ${retentionDays} was provided (option retentionDays or ${LEDGER_RETENTION_ENV})`,
    );
  }
  return cachedUntilFailure(() => connect(tableName, retentionDays, option?.dynamodb));
}

async function connect(
  tableName: string,
  retentionDays: number,
  given: DynamoDBClient | undefined,
): Promise<Ledger> {
  const [{ Ledger }, sdk] = await Promise.all([import("./ledger.ts"), loadDynamoDbSdk()]);
  // Throttling is retried with the SDK's backoff; more attempts than its default 3 ride out a
  // burst before a job has to wait on the queue.
  const client = given ?? new sdk.DynamoDBClient(dynamoDbClientConfig({}, { maxAttempts: 6 }));
  return new Ledger({ client, tableName, retentionDays });
}
