import * as z from "zod/mini";
import { defineJob } from "../../src/index.ts";

/**
 * Analyses a text sent in the job itself, as a report like `build-report`'s. A text of several
 * MiB does not fit one SQS message (1 MiB): the `reports` queue has a payload bucket
 * (`JobQueue({ payloads })`), so the job travels through S3 (docs/payloads.md). Its object is
 * deleted once the report is stored: the report is what is kept.
 */
export const analyseText = defineJob({
  name: "analyse-text",
  schema: z.object({
    /** A name for the text, recorded in the report. */
    name: z.string().check(z.regex(/^[^\s]{1,200}$/)),
    /** The text itself, up to 8 MiB. */
    text: z.string().check(z.maxLength(8 * 1024 * 1024)),
    topWords: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100)), 10),
  }),
  result: z.object({ reportKey: z.string(), lines: z.number(), words: z.number() }),
  retry: { maxAttempts: 4, backoff: { type: "exponential", baseSeconds: 5, maxSeconds: 300 } },
  timeoutSeconds: 60,
  payloads: { deleteAfterSuccess: true },
});
