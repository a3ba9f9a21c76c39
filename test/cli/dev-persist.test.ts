import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devOutput } from "./dev-app.ts";
import { runCli } from "./run-cli.ts";

/**
 * `sqs-jobs dev --persist DIR` on a store it cannot read: it must say which file and what to do,
 * exit 1, and leave nothing behind (port, the directory's pid mark), so a rerun with `--reset`
 * can start at once.
 */

let root: string;
let assembly: string;

/** A cloud assembly of one queue and one table: `dev --app DIR` starts it with nothing to synthesize. */
async function oneQueueAssembly(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "manifest.json"),
    JSON.stringify({
      version: "48.0.0",
      artifacts: {
        Persist: { type: "aws:cloudformation:stack", properties: { templateFile: "Persist.template.json" } },
      },
    }),
  );
  await writeFile(
    join(dir, "Persist.template.json"),
    JSON.stringify({
      Resources: {
        Kept: { Type: "AWS::SQS::Queue", Properties: { QueueName: "kept" } },
        Items: {
          Type: "AWS::DynamoDB::Table",
          Properties: {
            TableName: "items",
            KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
            AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          },
        },
      },
    }),
  );
  return dir;
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether the port can be bound again: nothing of the failed start kept it. */
async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * Starts dev on `data` and checks it failed as it should: exit 1 with one error naming `file` and
 * the fix (no crash, no stack trace), the port free again, the directory no one's.
 */
async function expectCleanFailure(data: string, file: string): Promise<void> {
  const port = await freePort();
  const run = await runCli(["dev", "--app", assembly, "--persist", data, "--port", String(port)], {
    env: { AWS_ENDPOINT_URL: undefined },
    timeoutMs: 30_000,
  });
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toContain(file);
  expect(run.stderr).toContain("--reset");
  expect(run.stderr).not.toContain("ModuleError");
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(await isFree(port)).toBe(true);
  expect(existsSync(join(data, "dynamodb", "sqs-jobs-dev.pid"))).toBe(false);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sqs-jobs-dev-persist-"));
  assembly = await oneQueueAssembly(join(root, "cdk.out"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("sqs-jobs dev --persist on a damaged store", () => {
  it("names dynalite's store and --reset, exits 1 with nothing bound; --reset then starts it", async () => {
    // Given a --persist directory whose DynamoDB store (LevelDB) has a corrupted manifest
    const data = join(root, "damaged-dynamodb");
    await mkdir(join(data, "dynamodb"), { recursive: true });
    await writeFile(join(data, "dynamodb", "CURRENT"), "MANIFEST-000002\n");
    await writeFile(join(data, "dynamodb", "MANIFEST-000002"), Buffer.from("not a leveldb manifest, at all"));
    // When dev starts on it, then it fails as it should, naming the store
    await expectCleanFailure(data, join(data, "dynamodb"));

    // When it is started again with --reset
    const reset = await devOutput(["--app", assembly, "--persist", data, "--port", "0", "--reset"]);
    // Then it starts on an empty store and stops cleanly
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/^ {2}kept\s+http:\/\/127\.0\.0\.1:\d+\/000000000000\/kept$/m);
  }, 60_000);

  it("names schedules.json and --reset, exits 1 with nothing bound", async () => {
    // Given a --persist directory whose schedules store is not JSON
    const data = join(root, "damaged-schedules");
    await mkdir(data, { recursive: true });
    await writeFile(join(data, "schedules.json"), '[{"name": "nightly", "expr');
    // When dev starts on it, then it fails as it should (it does not hang on its open port)
    await expectCleanFailure(data, join(data, "schedules.json"));
  }, 60_000);

  it("names fauxqs's database and --reset, exits 1 with nothing bound", async () => {
    // Given a --persist directory whose SQLite database is not one
    const data = join(root, "damaged-fauxqs");
    await mkdir(data, { recursive: true });
    await writeFile(join(data, "fauxqs.db"), "not a database, but long enough to be read as one".repeat(20));
    await expectCleanFailure(data, join(data, "fauxqs.db"));
  }, 60_000);

  it("stops the stack when a step after its start fails (an unwritable --write-env): exit 1, port free", async () => {
    const data = join(root, "write-env");
    const port = await freePort();
    const run = await runCli(
      [
        ...["dev", "--app", assembly, "--persist", data, "--port", String(port)],
        ...["--write-env", join(root, "no-such-dir", "dev.env")],
      ],
      { env: { AWS_ENDPOINT_URL: undefined }, timeoutMs: 30_000 },
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("no-such-dir");
    expect(await isFree(port)).toBe(true);
    expect(existsSync(join(data, "dynamodb", "sqs-jobs-dev.pid"))).toBe(false);
  }, 60_000);

  it("refuses --reset without --persist", async () => {
    const run = await runCli(["dev", "--app", assembly, "--reset"], {
      env: { AWS_ENDPOINT_URL: undefined },
      timeoutMs: 30_000,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--reset needs --persist DIR");
  });
});
