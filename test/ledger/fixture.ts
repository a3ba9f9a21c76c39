import { inject } from "vitest";
import { Ledger } from "../../src/ledger/ledger.ts";
import { createLedgerTable, testDynamoDb } from "../helpers/ledger-table.ts";

/** The run's DynamoDB (dynalite behind the test emulator, or LocalStack), and a fresh ledger per call. */
export function ledgerFixture() {
  const client = testDynamoDb();
  return {
    client,
    /** The run's endpoint, for a process of its own (the CLI). */
    endpoint: inject("sqsEndpoint"),
    newLedger: async () => {
      const tableName = await createLedgerTable(client, "ledger");
      return new Ledger({ client, tableName, retentionDays: 14 });
    },
  };
}
