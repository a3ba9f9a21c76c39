import * as z from "zod/mini";
import { defineJob } from "../../src/index.ts";

/**
 * Sends an email. On a FIFO queue grouped by recipient, so one person's emails go out in order
 * while different recipients proceed in parallel. Unique per recipient and subject for an hour:
 * a double-clicked "send" sends one email (the second send returns the first job's id). Rate
 * limited to the mail provider's 10 sends a second, across every consumer (docs/pacing.md).
 */
export const sendEmail = defineJob({
  name: "send-email",
  schema: z.object({
    to: z.email(),
    subject: z.string().check(z.minLength(1), z.maxLength(200)),
    body: z.string().check(z.maxLength(100_000)),
  }),
  retry: { maxAttempts: 6, backoff: { type: "exponential", baseSeconds: 2, maxSeconds: 120 } },
  timeoutSeconds: 15,
  fifo: { groupId: (payload) => payload.to },
  unique: { key: (payload) => `${payload.to}\n${payload.subject}`, windowSeconds: 3600 },
  rateLimit: { limit: 10, perSeconds: 1 },
});
