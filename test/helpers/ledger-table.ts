import { randomUUID } from "node:crypto";
import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";
import {
  LEDGER_KEY,
  LEDGER_TTL_ATTRIBUTE,
  LIST_INDEX,
  LIST_INDEX_ATTRIBUTES,
  LIST_INDEX_KEY,
  LIST_INDEX_SORT,
} from "../../src/ledger/table-layout.ts";

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
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: LEDGER_KEY, KeyType: "HASH" }],
      AttributeDefinitions: [
        { AttributeName: LEDGER_KEY, AttributeType: "S" },
        { AttributeName: LIST_INDEX_KEY, AttributeType: "S" },
        { AttributeName: LIST_INDEX_SORT, AttributeType: "S" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: LIST_INDEX,
          KeySchema: [
            { AttributeName: LIST_INDEX_KEY, KeyType: "HASH" },
            { AttributeName: LIST_INDEX_SORT, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...LIST_INDEX_ATTRIBUTES] },
        },
      ],
    }),
  );
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
