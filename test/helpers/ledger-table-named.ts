import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  LEDGER_KEY,
  LIST_INDEX,
  LIST_INDEX_ATTRIBUTES,
  LIST_INDEX_KEY,
  LIST_INDEX_SORT,
} from "../../src/ledger/table-layout.ts";

/**
 * Creates a table named `name` with the ledger's keys and list index (no TTL: dynalite alone
 * lacks it). No vitest here: the ledger benchmark creates its tables with it too.
 */
export async function createLedgerTableNamed(dynamodb: DynamoDBClient, name: string): Promise<void> {
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
}
