import { expect, it } from "vitest";
import { startTestApp } from "../../tools/src/testing/index.ts";
import { invoice, welcomeEmail } from "./fixture-jobs.ts";
import { bindings, delivered } from "./fixtures/lambda-entry.ts";

it("runs a Lambda entry's exported bindings as they are, the array its createSqsHandler takes", async () => {
  // Given the bindings array a Lambda entry passes to createSqsHandler
  await using app = await startTestApp({ ledger: true, queues: [{ name: "work", handlers: bindings }] });
  // When both of its jobs are sent and the app drains
  const email = await app.send(welcomeEmail, { to: "ana@example.com" });
  await app.send(invoice, { orderId: "o-1", cents: 100 });
  await app.drain();
  // Then the entry's own handlers ran them
  expect(delivered.sort()).toEqual(["ana@example.com", "o-1"]);
  expect(await app.job(email)).toMatchObject({ status: "succeeded", result: { sent: true } });
});
