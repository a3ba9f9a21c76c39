import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  jobItemKey,
  LEDGER_KEY,
  LEDGER_TABLE_ENV,
  LEDGER_TTL_ATTRIBUTE,
  LIST_INDEX,
  LIST_INDEX_ATTRIBUTES,
  LIST_INDEX_KEY,
  LIST_INDEX_SORT,
} from "../../src/ledger/table-layout.ts";
import { type DevStack, startDevStack } from "../../tools/src/local/dev-stack.ts";
import { startTestDevStack, type TestDevStack } from "../helpers/dev-stack.ts";

/** `sqs-jobs dev` on an app with a JobLedger: its table in dynalite, on the stack's one endpoint. */
let dev: TestDevStack;
let dynamodb: DynamoDBClient;
let lambda: LambdaClient;

beforeAll(async () => {
  dev = await startTestDevStack({ appFile: "test/local/fixtures/ledger-app/app.ts" });
  dynamodb = new DynamoDBClient(dev.client);
  lambda = new LambdaClient(dev.client);
}, 120_000);

afterAll(async () => {
  dynamodb?.destroy();
  lambda?.destroy();
  await dev?.stop();
});

const ledgerTable = (stack: DevStack) => {
  const table = stack.tables.find((t) => t.logicalId.startsWith("LedgerTable"));
  if (table === undefined) throw new Error("no ledger table");
  return table;
};

async function invoke(stack: DevStack, client: LambdaClient, event: unknown) {
  const out = await client.send(
    new InvokeCommand({ FunctionName: stack.functions[0]?.name, Payload: JSON.stringify(event) }),
  );
  const payload = Buffer.from(out.Payload ?? []).toString();
  expect(out.FunctionError, payload).toBeUndefined();
  return JSON.parse(payload) as { table: string; value?: string | null };
}

describe("the local dev stack with a job ledger", () => {
  it("creates the ledger's table with its key, list index and TTL", async () => {
    const { name, arn, indexes, timeToLiveAttribute } = ledgerTable(dev.stack);
    expect(arn).toBe(`arn:aws:dynamodb:us-east-1:000000000000:table/${name}`);
    expect(indexes).toEqual([LIST_INDEX]);
    expect(timeToLiveAttribute).toBe(LEDGER_TTL_ATTRIBUTE);
    // Seen by an SDK client on the stack's one endpoint
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.TableStatus).toBe("ACTIVE");
    expect(Table?.KeySchema).toEqual([{ AttributeName: LEDGER_KEY, KeyType: "HASH" }]);
    expect(Table?.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: LIST_INDEX,
        KeySchema: [
          { AttributeName: LIST_INDEX_KEY, KeyType: "HASH" },
          { AttributeName: LIST_INDEX_SORT, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...LIST_INDEX_ATTRIBUTES] },
      }),
    ]);
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription).toEqual({
      TimeToLiveStatus: "ENABLED",
      AttributeName: LEDGER_TTL_ATTRIBUTE,
    });
  });

  it("gives a granted function the table's name, and its default client reaches the table", async () => {
    const { name } = ledgerTable(dev.stack);
    expect(await invoke(dev.stack, lambda, { put: jobItemKey("1"), value: "from the function" })).toEqual({
      table: name,
    });
    // The item is in the table the stack listed, as another client sees it
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: name, Key: { pk: { S: jobItemKey("1") } } }),
    );
    expect(Item?.value).toEqual({ S: "from the function" });
    expect(await invoke(dev.stack, lambda, { get: jobItemKey("1") })).toEqual({
      table: name,
      value: "from the function",
    });
  });

  it("tells local producers the ledger's table", () => {
    expect(dev.stack.ledgerEnvironment[LEDGER_TABLE_ENV]).toBe(ledgerTable(dev.stack).name);
  });
});

describe("the local dev stack's tables with --persist", () => {
  it("keeps the table, its TTL and its items across a restart, and is one stack's at a time", async () => {
    // Given a stack run from the synthesized app with a data directory, and an item written to it
    const dataDir = await mkdtemp(join(tmpdir(), "sqs-jobs-ledger-persist-"));
    const start = () => startDevStack({ app: dev.assembly, port: 0, persistDir: dataDir });
    try {
      const first = await start();
      const client = new DynamoDBClient({ ...dev.client, endpoint: first.endpoint });
      const { name } = ledgerTable(first);
      await client.send(new PutItemCommand({ TableName: name, Item: { pk: { S: jobItemKey("kept") } } }));
      client.destroy();
      // A second stack on the directory is refused at once: LevelDB opens it in one process only
      await expect(start()).rejects.toThrow(
        /--persist directory .* is in use by another sqs-jobs dev \(process \d+\)/,
      );
      await first.stop();

      // When the stack starts again on the same directory
      const second = await start();
      const again = new DynamoDBClient({ ...dev.client, endpoint: second.endpoint });
      try {
        // Then the table is the same, with its TTL and the item
        expect(ledgerTable(second).name).toBe(name);
        const { Item } = await again.send(
          new GetItemCommand({ TableName: name, Key: { pk: { S: jobItemKey("kept") } } }),
        );
        expect(Item).toEqual({ pk: { S: jobItemKey("kept") } });
        const ttl = await again.send(new DescribeTimeToLiveCommand({ TableName: name }));
        expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe("ENABLED");
      } finally {
        again.destroy();
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
