import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import {
  LEDGER_KEY,
  LIST_INDEX,
  LIST_INDEX_ATTRIBUTES,
  LIST_INDEX_KEY,
  LIST_INDEX_SORT,
} from "./table-layout.ts";

/**
 * CreateTable's input for a table laid out as the job ledger (key and list index, as `JobLedger`
 * deploys it; TTL is a separate call): for the test rig, the benchmarks and the testing kit.
 */
export function ledgerTableInput(name: string): CreateTableCommandInput {
  return {
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
  };
}
