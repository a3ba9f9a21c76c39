import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { handle } from "../../src/index.ts";
import { startTestApp } from "../../tools/src/testing/index.ts";
import { tryConnect } from "../helpers/try-connect.ts";
import { welcomeEmail } from "./fixture-jobs.ts";

function emailApp(seen: string[]) {
  return startTestApp({
    queues: [
      {
        name: "email",
        handlers: [
          handle(welcomeEmail, (payload) => {
            seen.push(payload.to);
            return { sent: true };
          }),
        ],
      },
    ],
  });
}

describe("test apps", () => {
  it("run side by side with queues of the same name, each with its own ports and stores", async () => {
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    const [a, b] = await Promise.all([emailApp(seenByA), emailApp(seenByB)]);
    try {
      expect(a.endpoint).not.toBe(b.endpoint);
      for (const listener of [...a.listeners, ...b.listeners]) expect(listener).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(new Set([...a.listeners, ...b.listeners]).size).toBe(a.listeners.length + b.listeners.length);

      await a.send(welcomeEmail, { to: "only-a@example.com" });
      await b.send(welcomeEmail, { to: "only-b@example.com" });
      await Promise.all([a.drain(), b.drain()]);

      expect(seenByA).toEqual(["only-a@example.com"]);
      expect(seenByB).toEqual(["only-b@example.com"]);
      // Started without ledger: true, they have no job ledger to read
      await expect(a.job("any")).rejects.toMatchObject({ code: "ERR_CONFIG", message: /has none/ });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("leave no listener behind once stopped (await using stops it too)", async () => {
    let listeners: readonly string[] = [];
    {
      await using app = await emailApp([]);
      // A DynamoDB call starts dynalite (an app without a ledger starts it on demand): all three listen.
      const dynamodb = new DynamoDBClient(app.aws);
      await dynamodb.send(new ListTablesCommand({}));
      dynamodb.destroy();
      listeners = app.listeners;
      expect(await Promise.all(listeners.map(tryConnect))).toEqual(listeners.map(() => "connected"));
    }
    expect(listeners.length).toBeGreaterThanOrEqual(3);
    expect(await Promise.all(listeners.map(tryConnect))).toEqual(listeners.map(() => "ECONNREFUSED"));
  });
});
