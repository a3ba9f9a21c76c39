import { randomUUID } from "node:crypto";
import { DynamoDBClient, UpdateTimeToLiveCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";
import { LEDGER_TTL_ATTRIBUTE } from "../../src/ledger/table-layout.ts";
import { createLedgerTableNamed } from "./ledger-table-named.ts";

/** A client for the run's endpoint (dynalite behind the test emulator, or LocalStack). */
export function testDynamoDb(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: inject("sqsEndpoint"),
    region: process.env.AWS_REGION ?? "us-east-1",
  });
}

/**
 * Creates a table laid out as the job ledger (as `JobLedger` deploys it: key, list index, TTL) under
 * a unique name, so tests never share state; returns the name.
 */
export async function createLedgerTable(dynamodb: DynamoDBClient, label: string): Promise<string> {
  const name = `${label}-${randomUUID().slice(0, 8)}`;
  await createLedgerTableNamed(dynamodb, name);
  // LocalStack, like DynamoDB, may take a moment to make a table ACTIVE; dynalite's are at once.
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: name });
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { Enabled: true, AttributeName: LEDGER_TTL_ATTRIBUTE },
    }),
  );
  return name;
}
