import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { type DynamoDbOnDemand, localDynamoDb } from "../../tools/src/local/dynamodb-on-demand.ts";
import { dynamoDbEndpoint } from "../helpers/dynamodb-endpoint.ts";
import { tryConnect } from "../helpers/try-connect.ts";

const cleanUps: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of cleanUps.splice(0).reverse()) await clean();
});

/** An endpoint that hands every request to `db`, as the dev stack's front server does, and a client of it. */
async function endpointFor(db: DynamoDbOnDemand, onRequest = () => {}): Promise<DynamoDBClient> {
  const endpoint = await dynamoDbEndpoint(db, onRequest);
  cleanUps.push(() => endpoint.close());
  return endpoint.client;
}

describe("the dev stack's DynamoDB on demand", () => {
  it("starts dynalite on the first call, not before", async () => {
    const db = await localDynamoDb();
    cleanUps.push(() => db.stop());
    const client = await endpointFor(db);
    expect(db.listener()).toBeUndefined();
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    expect(await tryConnect(db.listener() ?? "none")).toBe("connected");
  });

  it("stops a dynalite whose start was under way when stop() was called", async () => {
    // Given a first call that starts dynalite, and stop() before it answered
    const db = await localDynamoDb();
    let arrived = () => {};
    const handed = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const client = await endpointFor(db, () => arrived());
    const call = client.send(new ListTablesCommand({})).catch((error: unknown) => error);
    await handed;
    await db.stop();
    await call;
    // Then what the start made is not left listening
    const listener = db.listener();
    expect(listener).toBeDefined();
    expect(await tryConnect(listener ?? "none")).toBe("ECONNREFUSED");
  });

  it("answers a call after stop() with 503 and starts nothing", async () => {
    const db = await localDynamoDb();
    const client = await endpointFor(db);
    await db.stop();
    await expect(client.send(new ListTablesCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 503 },
    });
    expect(db.listener()).toBeUndefined();
  });

  it("starts at once with a data directory, so a second stack on it is refused at its start", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "sqs-jobs-dynamodb-on-demand-"));
    cleanUps.push(() => rm(dataDir, { recursive: true, force: true }));
    const db = await localDynamoDb({ dataDir });
    cleanUps.push(() => db.stop());
    expect(await tryConnect(db.listener() ?? "none")).toBe("connected");
    await expect(localDynamoDb({ dataDir })).rejects.toThrow();
  });
});
