import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, createSqsHandler, defineJob, handle, JobClient } from "../../src/index.ts";

const schema = z.object({ to: z.string() });

/** The ConfigError a definition throws, every problem in its message. */
function problemsOf(options: Record<string, unknown>): string {
  try {
    defineJob({ name: "paced", schema, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("the definition was accepted");
}

describe("pacing options", () => {
  it("accepts a rate limit with or without a key, and a debounce", () => {
    expect(defineJob({ name: "a", schema, rateLimit: { limit: 10, perSeconds: 1 } }).rateLimit).toEqual({
      limit: 10,
      perSeconds: 1,
    });
    const keyed = defineJob({
      name: "b",
      schema,
      rateLimit: { key: (p) => p.to, limit: 100, perSeconds: 60 },
    });
    expect(keyed.rateLimit?.key?.({ to: "x" })).toBe("x");
    expect(
      defineJob({ name: "c", schema, debounce: { key: (p) => p.to, seconds: 3_600 } }).debounce?.seconds,
    ).toBe(3_600);
  });

  it("reports every problem of rateLimit and debounce at once, naming the field and the value", () => {
    const message = problemsOf({
      rateLimit: { key: "all", limit: 0, perSeconds: 1.5 },
      debounce: { key: "doc", seconds: 0 },
    });
    expect(message).toContain("rateLimit.key must be a function of the payload when given");
    expect(message).toContain("rateLimit.limit must be an integer between 1 and 10,000, but 0 was provided");
    expect(message).toContain(
      "rateLimit.perSeconds must be an integer between 1 and 86,400 (a day), but 1.5 was provided",
    );
    expect(message).toContain("debounce.key must be a function of the payload");
    expect(message).toContain(
      "debounce.seconds must be an integer between 1 and 2592000 (30 days), but 0 was provided",
    );
  });

  it("refuses a rate past one key's write budget, and debounce with unique", () => {
    expect(problemsOf({ rateLimit: { limit: 10_000, perSeconds: 1 } })).toMatch(
      /at most 500 starts a second per key/,
    );
    expect(
      problemsOf({ debounce: { key: () => "k", seconds: 5 }, unique: { key: () => "k", windowSeconds: 60 } }),
    ).toMatch(/debounce and unique cannot be combined/);
  });

  it("a debounced job cannot be called: a call runs now, a debounce waits for the last send", async () => {
    const debounced = defineJob({ name: "debounced", schema, debounce: { key: (p) => p.to, seconds: 5 } });
    const jobs = new JobClient({
      queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
      functionName: "f",
    });
    await expect(jobs.call(debounced, { to: "a" })).rejects.toThrow(/is debounced: .* send it instead/);
  });

  it("a rate-limited or debounced job refuses to run without a ledger, and says how to add one", async () => {
    // The handler is built (an entry module must load), and every invocation fails before a job runs
    const limited = defineJob({ name: "limited", schema, rateLimit: { limit: 1, perSeconds: 1 } });
    const limitedHandler = createSqsHandler([handle(limited, () => undefined)], { ledger: false });
    await expect(limitedHandler({ Records: [] }, {} as never)).rejects.toThrow(
      /has a rate limit, which needs the job ledger/,
    );
    const debounced = defineJob({ name: "debounced", schema, debounce: { key: (p) => p.to, seconds: 5 } });
    const debouncedHandler = createSqsHandler([handle(debounced, () => undefined)], { ledger: false });
    await expect(debouncedHandler({ Records: [] }, {} as never)).rejects.toThrow(
      /has a debounce, which needs the job ledger/,
    );
  });
});
