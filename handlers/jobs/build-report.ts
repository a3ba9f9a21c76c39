import * as z from "zod/mini";
import { defineJob } from "../../src/index.ts";

/**
 * Analyses a text file stored in the bucket and stores a JSON report of it. Idempotent by job id:
 * a retry of a job whose report exists does nothing. Its result (kept in the job ledger) says
 * where the report is and what it found, for a producer that waits for it.
 */
export const buildReport = defineJob({
  name: "build-report",
  schema: z.object({
    /** The input's key in the bucket, under `inputs/`. */
    inputKey: z.string().check(z.regex(/^inputs\/[^\s]{1,1000}$/)),
    /** How many of the most frequent words the report lists. */
    topWords: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(100)), 10),
  }),
  result: z.object({ reportKey: z.string(), lines: z.number(), words: z.number() }),
  retry: { maxAttempts: 4, backoff: { type: "exponential", baseSeconds: 5, maxSeconds: 300 } },
  timeoutSeconds: 60,
  // The folder under inputs/ is the tenant (inputs/acme/a.txt: acme): SQS fair queues keep one
  // tenant's thousand uploads from delaying another's one.
  tenant: (payload) => tenantOf(payload.inputKey),
});

/** The first folder under `inputs/`, as a message group id may spell it; `shared` for files at the top. */
export function tenantOf(inputKey: string): string {
  const parts = inputKey.split("/");
  const folder = parts.length > 2 ? (parts[1] ?? "") : "";
  const id = folder.replace(/[^\x21-\x7e]/g, "_").slice(0, 128);
  return id === "" ? "shared" : id;
}
