import { createHash } from "node:crypto";
import { JobKeyError } from "./errors.ts";

/** Longest key kept as it is in the ledger; longer ones are stored as their SHA-256. */
const MAX_PLAIN_KEY_BYTES = 256;

/**
 * A unique or concurrency key, from a constant or a function of the payload.
 * @throws {JobKeyError} the function threw or returned something other than a non-empty string
 */
export function keyFor(
  what: "unique" | "concurrency",
  jobName: string,
  key: unknown,
  payload: unknown,
): string {
  let value: unknown = key;
  if (typeof key === "function") {
    try {
      value = key(payload);
    } catch (error) {
      throw new JobKeyError(
        `the ${what}.key function of job "${jobName}" threw ${error instanceof Error ? error.name : typeof error}`,
      );
    }
  }
  if (typeof value !== "string" || value === "") {
    throw new JobKeyError(
      `the ${what}.key of job "${jobName}" must be a non-empty string, but ${value === "" ? "an empty string" : typeof value} was returned`,
    );
  }
  if (Buffer.byteLength(value) <= MAX_PLAIN_KEY_BYTES) return value;
  return `sha256:${createHash("sha256").update(value).digest("hex")}`;
}

/** The hash the ledger keeps of a payload, to tell a job id reused for another payload. */
export function payloadHash(payloadJson: string): string {
  return createHash("sha256").update(payloadJson).digest("base64url");
}
