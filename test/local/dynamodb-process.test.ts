import {
  CreateTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../tools/src/local/dynamodb.ts";
import { dynamoDbEndpoint } from "../helpers/dynamodb-endpoint.ts";
import { tryConnect } from "../helpers/try-connect.ts";

const cleanUps: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of cleanUps.splice(0).reverse()) await clean();
});

/** An endpoint that hands every request to `db`, as the dev stack's front server does, and a client of it. */
async function endpointFor(db: LocalDynamoDb): Promise<DynamoDBClient> {
  const endpoint = await dynamoDbEndpoint(db);
  cleanUps.push(() => endpoint.close());
  return endpoint.client;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the local DynamoDB in a process of its own", () => {
  it("serves the endpoint's calls from a child process, which stop() ends", async () => {
    // Given dynalite started in its own process
    const db = await startLocalDynamoDb({ process: "own" });
    cleanUps.push(() => db.stop());
    expect(db.pid).not.toBe(process.pid);
    const client = await endpointFor(db);
    // When the endpoint's client writes and reads an item through it
    await client.send(
      new CreateTableCommand({
        TableName: "own-process",
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      }),
    );
    await client.send(
      new PutItemCommand({ TableName: "own-process", Item: { pk: { S: "a" }, n: { N: "1" } } }),
    );
    const read = await client.send(new GetItemCommand({ TableName: "own-process", Key: { pk: { S: "a" } } }));
    // Then the child answered, and stop() leaves neither the process nor its port
    expect(read.Item?.n).toEqual({ N: "1" });
    expect(alive(db.pid)).toBe(true);
    await db.stop();
    expect(alive(db.pid)).toBe(false);
    expect(await tryConnect(`${db.host}:${db.port}`)).not.toBe("connected");
  });

  it("answers only the stack's own requests on its port, as in this process", async () => {
    const db = await startLocalDynamoDb({ process: "own" });
    cleanUps.push(() => db.stop());
    const direct = await fetch(`http://${db.host}:${db.port}/`, { method: "POST" });
    expect(direct.status).toBe(403);
  });
});
