import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ledgerTableInput } from "../../src/ledger/ledger-table-input.ts";

/**
 * Creates a table named `name` with the ledger's keys and list index (no TTL: dynalite alone
 * lacks it). No vitest here: the ledger benchmark creates its tables with it too.
 */
export async function createLedgerTableNamed(dynamodb: DynamoDBClient, name: string): Promise<void> {
  await dynamodb.send(new CreateTableCommand(ledgerTableInput(name)));
}
