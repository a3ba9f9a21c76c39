import * as z from "zod/mini";
import { defineJob } from "../../src/index.ts";

/** Jobs of the kit's own tests: short backoffs, so a retry is due within seconds even unmoved. */
export const welcomeEmail = defineJob({
  name: "welcome-email",
  schema: z.object({ to: z.string() }),
  result: z.object({ sent: z.boolean() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 60 } },
  timeoutSeconds: 5,
});

export const invoice = defineJob({
  name: "invoice",
  schema: z.object({ orderId: z.string(), cents: z.number() }),
  timeoutSeconds: 5,
});

/** Carried by no queue of the tests' apps. */
export const stray = defineJob({ name: "stray", schema: z.object({}) });
