import { expect, it } from "vitest";
import * as z from "zod/mini";
import { defineJob, handle } from "../../src/index.ts";
import { startTestApp } from "../../tools/src/testing/index.ts";

const welcomeEmail = defineJob({ name: "welcome-email", schema: z.object({ to: z.email() }) });

it("sends the welcome email", async () => {
  const sent: string[] = [];
  const sendWelcome = handle(welcomeEmail, (payload) => {
    sent.push(payload.to);
  });
  await using app = await startTestApp({ queues: [{ name: "email", handlers: [sendWelcome] }] });
  await app.send(welcomeEmail, { to: "ana@example.com" });
  await app.drain();
  expect(sent).toEqual(["ana@example.com"]);
});
