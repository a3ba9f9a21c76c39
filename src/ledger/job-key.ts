import { createHash } from "node:crypto";
import { jobKeyError } from "./errors.ts";

/** Longest key kept as it is in the ledger; longer ones are stored as their SHA-256. */
const MAX_PLAIN_KEY_BYTES = 256;

/**
 * A unique, concurrency, rate-limit or debounce key, from a constant or a function of the payload.
 * @throws {SqsJobsError} `ERR_JOB_KEY`: the function threw or returned something other than a non-empty string
 */
export function keyFor(
  what: "unique" | "concurrency" | "rateLimit" | "debounce",
  jobName: string,
  key: unknown,
  payload: unknown,
): string {
  let value: unknown = key;
  if (typeof key === "function") {
    try {
      value = key(payload);
    } catch (error) {
      throw jobKeyError(
        `the ${what}.key function of job "${jobName}" threw ${error instanceof Error ? error.name : typeof error}`,
      );
    }
  }
  if (typeof value !== "string" || value === "") {
    throw jobKeyError(
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

/**
 * {@link payloadHash} of a payload parsed from a message: the hash of the text `JSON.stringify`
 * gives for it (the producer's text). JSON.parse reads any depth, but JSON.stringify overflows the
 * stack past a few thousand levels, and a payload its schema accepted must not fail its claim on
 * that: such a payload is written without recursion (slower, so only then).
 */
export function parsedPayloadHash(payload: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(payload);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    text = deepJsonText(payload);
  }
  return payloadHash(text);
}

/**
 * What `JSON.stringify` writes for a value parsed from JSON (objects, arrays, strings, numbers,
 * booleans, null), with an explicit stack instead of recursion. The stack holds text to write
 * (strings) and containers to open; a container pushes its closing bracket, then its members in
 * reverse, so popping writes them in order.
 */
function deepJsonText(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [];
  const push = (member: unknown) =>
    stack.push(isContainer(member) ? { open: member } : JSON.stringify(member));
  push(value);
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (typeof next === "string") {
      out.push(next);
      continue;
    }
    const { open } = next as { open: object };
    if (Array.isArray(open)) {
      out.push("[");
      stack.push("]");
      for (let i = open.length - 1; i >= 0; i--) {
        push(open[i]);
        if (i > 0) stack.push(",");
      }
    } else {
      out.push("{");
      stack.push("}");
      const entries = Object.entries(open);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, member] = entries[i] as [string, unknown];
        push(member);
        stack.push(`${i > 0 ? "," : ""}${JSON.stringify(key)}:`);
      }
    }
  }
  return out.join("");
}

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}
