import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { z } from "zod";
import { defineJob, handle } from "../../src/index.ts";
import { startTestApp } from "../../tools/src/testing/index.ts";

const resize = defineJob({
  name: "resize",
  schema: z.object({ key: z.string() }),
  result: z.object({ thumbnail: z.string() }),
});

it("the testing kit's consumers complete durable callbacks, and the app lists them", async () => {
  // Given a test app with a ledger, and a job sent with a durable callback id
  await using app = await startTestApp({
    ledger: true,
    queues: [{ name: "thumbs", handlers: [handle(resize, ({ key }) => ({ thumbnail: `t/${key}` }))] }],
  });
  const callbackId = randomBytes(32).toString("base64");
  await app.send(resize, { key: "a.png" }, { callbackId });
  // When the app drains
  await app.drain();
  // Then its consumer completed the callback with the job's result
  expect(app.durableCallbacks()).toEqual([
    { callbackId, status: "succeeded", result: '{"thumbnail":"t/a.png"}', at: expect.any(Date) },
  ]);
});
