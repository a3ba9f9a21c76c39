import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalDynamoDb } from "../../tools/src/local/dynamodb.ts";
import { resetPersistedState } from "../../tools/src/local/persist-store.ts";

const root = await mkdtemp(join(tmpdir(), "sqs-jobs-persist-store-"));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A --persist directory with every store in it, and a file of the user's beside them. */
async function fullDirectory(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, "dynamodb"), { recursive: true });
  for (const file of ["fauxqs.db", "fauxqs.db-wal", "schedules.json", "notes.txt", "dynamodb/CURRENT"]) {
    await writeFile(join(dir, file), "x");
  }
  return dir;
}

describe("sqs-jobs dev --reset", () => {
  it("deletes what the stack keeps and nothing else", async () => {
    const dir = await fullDirectory("kept");
    resetPersistedState(dir);
    expect((await readdir(dir)).sort()).toEqual(["dynamodb", "notes.txt"]);
    expect(await readdir(join(dir, "dynamodb"))).toEqual([]);
  });

  it("is refused while another stack holds the directory, which it leaves untouched", async () => {
    // Given a directory a running stack's DynamoDB holds
    const dir = await fullDirectory("held");
    await rm(join(dir, "dynamodb", "CURRENT"));
    const running = await startLocalDynamoDb({ dataDir: dir });
    try {
      // When it is reset, then it is refused, naming the holder
      expect(() => resetPersistedState(dir)).toThrow(/is in use by another sqs-jobs dev \(process \d+\)/);
      expect(existsSync(join(dir, "fauxqs.db"))).toBe(true);
      expect(existsSync(join(dir, "schedules.json"))).toBe(true);
    } finally {
      await running.stop();
    }
  });
});

/** Runs `use` against a local DynamoDB on `dataDir`, served on a port of its own, then stops it. */
async function withDynamoDb(dataDir: string, use: (client: DynamoDBClient) => Promise<void>): Promise<void> {
  const local = await startLocalDynamoDb({ dataDir });
  const server = createServer((req, res) => local.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  try {
    await use(client);
  } finally {
    client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await local.stop();
  }
}

describe("the local DynamoDB on a damaged store", () => {
  it("refuses to start on a damaged table file, naming the store, instead of failing on a read", async () => {
    // Given a store whose items LevelDB has written to a table file (.ldb), at its second start
    const dataDir = join(root, "damaged-ldb");
    await withDynamoDb(dataDir, async (client) => {
      await client.send(
        new CreateTableCommand({
          TableName: "items",
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        }),
      );
      // dynalite answers CreateTable while the table is CREATING; a put before ACTIVE is refused.
      await waitUntilTableExists(
        { client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
        { TableName: "items" },
      );
      for (let i = 0; i < 200; i++) {
        await client.send(
          new PutItemCommand({ TableName: "items", Item: { pk: { S: `k${i}` }, v: { S: "x".repeat(500) } } }),
        );
      }
    });
    await withDynamoDb(dataDir, async () => {});
    const table = (await readdir(join(dataDir, "dynamodb"))).find((f) => f.endsWith(".ldb"));
    expect(table).toBeDefined();
    // When the table file's blocks are garbled
    const path = join(dataDir, "dynamodb", table ?? "");
    const bytes = await readFile(path);
    for (let i = 100; i < Math.min(bytes.length - 100, 8_000); i++)
      bytes[i] = ((bytes[i] ?? 0) * 7 + 13) % 256;
    await writeFile(path, bytes);
    // Then it does not start: one error names the store and --reset, and the directory is released
    await expect(startLocalDynamoDb({ dataDir })).rejects.toMatchObject({
      name: "PersistedStoreError",
      file: join(dataDir, "dynamodb"),
      message: expect.stringMatching(/Corruption.*--reset/),
    });
    expect(existsSync(join(dataDir, "dynamodb", "sqs-jobs-dev.pid"))).toBe(false);
  }, 30_000);
});
