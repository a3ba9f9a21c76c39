import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { type ClaimRequest, Ledger } from "../../src/ledger/ledger.ts";
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

/** A claim of job `send-email` on queue `emails` with payload hash `h1`, as a consumer makes it. */
export function claimOf(jobId: string, overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return {
    jobId,
    job: "send-email",
    queue: "emails",
    runToken: randomUUID(),
    leaseMs: 30_000,
    payloadHash: "h1",
    redriven: false,
    ...overrides,
  };
}
