import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  LEDGER_KEY,
  LIST_INDEX,
  LIST_INDEX_ATTRIBUTES,
  LIST_INDEX_KEY,
  LIST_INDEX_SORT,
} from "../../src/ledger/table-layout.ts";

/**
 * Creates a ledger table as the table layout describes it. No vitest here: the ledger benchmark
 * creates its tables with it too.
 */
export async function createLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: LEDGER_KEY, AttributeType: "S" },
        { AttributeName: LIST_INDEX_KEY, AttributeType: "S" },
        { AttributeName: LIST_INDEX_SORT, AttributeType: "S" },
      ],
      KeySchema: [{ AttributeName: LEDGER_KEY, KeyType: "HASH" }],
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
