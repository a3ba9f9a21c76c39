import * as z from "zod/mini";
import { defineJob } from "../src/index.ts";

/** The example's queues, by the logical names producers use (`new JobClient({ queue })`). */
export const QUEUES = { reports: "reports", email: "email" } as const;

/** Where the report consumer reads inputs and writes results (set by the example stack). */
export const BUCKET_ENV = "EXAMPLE_BUCKET";

/**
 * Analyses a text file stored in the bucket and stores a JSON report of it. Idempotent by job id:
 * a retry of a job whose report exists does nothing.
 */
export const buildReport = defineJob({
  name: "build-report",
  schema: z.object({
    /** The input's key in the bucket, under `inputs/`. */
    inputKey: z.string().check(z.regex(/^inputs\/[^\s]{1,1000}$/)),
    /** How many of the most frequent words the report lists. */
    topWords: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100)), 10),
  }),
  retry: { maxAttempts: 4, backoff: { type: "exponential", baseSeconds: 5, maxSeconds: 300 } },
  timeoutSeconds: 60,
});

/**
 * Sends an email. On a FIFO queue grouped by recipient, so one person's emails go out in order
 * while different recipients proceed in parallel.
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
});
