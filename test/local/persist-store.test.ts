import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalDynamoDb } from "../../src/local/dynamodb.ts";
import { resetPersistedState } from "../../src/local/persist-store.ts";

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
