import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { handle } from "../../src/index.ts";
import { startTestApp } from "../../tools/src/testing/index.ts";
import { welcomeEmail } from "./fixture-jobs.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/queues-app-modules.ts", import.meta.url));

/** The modules a process loaded to run one job through a queues app, as the fixture lists them. */
async function modulesLoaded(args: readonly string[] = []): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [FIXTURE, ...args], { timeout: 20_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as string[];
}

/** What only the CDK mode, or only DynamoDB, needs: a queues app without a ledger must not load it. */
const NOT_FOR_QUEUES = [
  /\/node_modules\/dynalite\//,
  /\/node_modules\/@aws-sdk\/client-dynamodb\//,
  /\/src\/local\/tables\.ts$/,
  /\/src\/local\/(synth|cloud-assembly|bucket-seed)\.ts$/,
  /\/src\/testing\/(assembly-cache|synth-inputs)\.ts$/,
];

describe("what startTestApp({ queues }) costs a test file", () => {
  it("loads neither dynalite nor the CDK mode's modules when no queue has a ledger", async () => {
    // Given a process that runs one job through a queues app and lists what it loaded
    const loaded = await modulesLoaded();
    // Then the emulator it needs is there (the list sees packages) ...
    expect(loaded.some((url) => url.includes("/node_modules/fauxqs/"))).toBe(true);
    // ... and nothing the mode does not use
    expect(loaded.filter((url) => NOT_FOR_QUEUES.some((re) => re.test(url)))).toEqual([]);
  });

  it("starts dynalite and loads the DynamoDB client when the app has a ledger", async () => {
    const loaded = await modulesLoaded(["--ledger"]);
    expect(loaded.some((url) => url.includes("/node_modules/dynalite/"))).toBe(true);
    expect(loaded.some((url) => url.includes("/node_modules/@aws-sdk/client-dynamodb/"))).toBe(true);
  });

  it('runs dynalite in a process of its own with dynamoDbProcess: "own", the ledger working through it', async () => {
    // Given a process that runs one job through a queues app with a ledger (it fails unless the job ran)
    const loaded = await modulesLoaded(["--ledger", "--own-dynamodb"]);
    // Then it spoke DynamoDB, but dynalite was never loaded in it
    expect(loaded.some((url) => url.includes("/node_modules/@aws-sdk/client-dynamodb/"))).toBe(true);
    expect(loaded.filter((url) => url.includes("/node_modules/dynalite/"))).toEqual([]);
  });

  it("still serves DynamoDB on the endpoint of a queues app without a ledger, from the first call", async () => {
    // Given an app whose queues have no ledger
    await using app = await startTestApp({
      queues: [{ name: "email", handlers: [handle(welcomeEmail, () => ({ sent: true }))] }],
    });
    const before = app.listeners.length;
    // When the test makes a table of its own through the endpoint
    const dynamodb = new DynamoDBClient(app.aws);
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: "mine",
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      // Then it is there, and the app lists the listener that serves it
      expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(["mine"]);
      expect(app.listeners).toHaveLength(before + 1);
    } finally {
      dynamodb.destroy();
    }
  });
});
