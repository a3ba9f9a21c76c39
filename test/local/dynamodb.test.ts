import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { LEDGER_TTL_ATTRIBUTE } from "../../src/ledger/table-layout.ts";
import { startLocalDynamoDb } from "../../tools/src/local/dynamodb.ts";
import { createLedgerTable, testDynamoDb } from "../helpers/ledger-table.ts";

const dynamodb = testDynamoDb();
afterAll(() => dynamodb.destroy());

const ttlOf = async (TableName: string) =>
  (await dynamodb.send(new DescribeTimeToLiveCommand({ TableName }))).TimeToLiveDescription;

describe("the local DynamoDB's time to live, which dynalite lacks", () => {
  it("refuses to switch TTL to the state it is in, as DynamoDB does", async () => {
    const name = await createLedgerTable(dynamodb, "ttl-twice");
    const again = dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { Enabled: true, AttributeName: LEDGER_TTL_ATTRIBUTE },
      }),
    );
    await expect(again).rejects.toMatchObject({
      name: "ValidationException",
      message: "TimeToLive is already enabled",
    });
  });

  it("answers ResourceNotFoundException for a table that does not exist", async () => {
    await expect(ttlOf("no-such-table")).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("forgets a deleted table's TTL: a table made again under its name starts without", async () => {
    const name = await createLedgerTable(dynamodb, "ttl-recreated");
    await dynamodb.send(new DeleteTableCommand({ TableName: name }));
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      }),
    );
    expect(await ttlOf(name)).toEqual({ TimeToLiveStatus: "DISABLED" });
  });
});

describe("the local DynamoDB's data directory", () => {
  it("is taken over from a process that died without releasing it, and released on stop", async () => {
    // Given a directory marked by a process that no longer runs
    const dataDir = await mkdtemp(join(tmpdir(), "sqs-jobs-dynamodb-"));
    try {
      await mkdir(join(dataDir, "dynamodb"));
      await writeFile(join(dataDir, "dynamodb", "sqs-jobs-dev.pid"), "999999999");
      // When a stack starts on it, then stops
      const local = await startLocalDynamoDb({ dataDir });
      await local.stop();
      // Then it started, and left no mark behind
      expect(await readdir(join(dataDir, "dynamodb"))).not.toContain("sqs-jobs-dev.pid");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
