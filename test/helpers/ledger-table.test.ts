import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, inject, it } from "vitest";
import { jobItemKey, LEDGER_TTL_ATTRIBUTE, LIST_INDEX } from "../../src/ledger/table-layout.ts";
import { createLedgerTable, testDynamoDb } from "./ledger-table.ts";

const dynamodb = testDynamoDb();
afterAll(() => dynamodb.destroy());

describe("the test rig's DynamoDB", () => {
  it("makes ledger tables laid out as JobLedger deploys them", async () => {
    const name = await createLedgerTable(dynamodb, "rig-ledger");
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.TableStatus).toBe("ACTIVE");
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual([LIST_INDEX]);
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: LEDGER_TTL_ATTRIBUTE });
    expect(["ENABLED", "ENABLING"]).toContain(ttl.TimeToLiveDescription?.TimeToLiveStatus);
  });

  it("answers a default client on the run's AWS_ENDPOINT_URL, the SQS endpoint", async () => {
    // Given a table, and a client built as library code builds one: no endpoint, no region
    const name = await createLedgerTable(dynamodb, "rig-default");
    const client = new DynamoDBClient({});
    try {
      // When it writes and reads an item
      await client.send(
        new PutItemCommand({ TableName: name, Item: { pk: { S: jobItemKey("1") }, n: { N: "1" } } }),
      );
      const { Item } = await client.send(
        new GetItemCommand({ TableName: name, Key: { pk: { S: jobItemKey("1") } } }),
      );
      // Then the item is there, on the same endpoint as SQS
      expect(Item).toEqual({ pk: { S: jobItemKey("1") }, n: { N: "1" } });
      expect(process.env.AWS_ENDPOINT_URL).toBe(inject("sqsEndpoint"));
    } finally {
      client.destroy();
    }
  });
});
