import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { afterAll } from "vitest";
import { Ledger } from "../../src/ledger/ledger.ts";
import { createLedgerTable } from "../helpers/ledger-table.ts";

/** A dynalite on loopback for this test file, and a fresh ledger table per call. */
export async function ledgerFixture(): Promise<{
  client: DynamoDBClient;
  /** `http://127.0.0.1:<port>`, for a process of its own (the CLI). */
  endpoint: string;
  newLedger: () => Promise<Ledger>;
}> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    client,
    endpoint,
    newLedger: async () => {
      const tableName = `ledger-${randomUUID()}`;
      await createLedgerTable(client, tableName);
      return new Ledger({ client, tableName, retentionDays: 14 });
    },
  };
}
