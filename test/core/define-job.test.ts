import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as zm from "zod/mini";
import { ConfigError, defineJob } from "../../src/index.ts";

describe("defineJob", () => {
  it("fills documented defaults", () => {
    const job = defineJob({ name: "a", schema: z.object({}) });
    expect(job.retry).toEqual({
      maxAttempts: 5,
      backoff: { type: "exponential", baseSeconds: 2, maxSeconds: 900 },
    });
    expect(job.timeoutSeconds).toBe(30);
    expect(job.includeIssueMessages).toBe(false);
    expect(Object.isFrozen(job)).toBe(true);
  });

  it("accepts zod/mini schemas as well as zod", () => {
    const job = defineJob({ name: "mini", schema: zm.object({ n: zm.number() }) });
    expect(job.schema["~standard"].vendor).toBe("zod");
  });

  it.each([
    ["", /name must be 1-80 characters.*an empty string/],
    ["has space", /name must be.*"has space"/],
    ["-leading", /name must be/],
    ["x".repeat(81), /name must be/],
  ])("refuses the name %j", (name, message) => {
    expect(() => defineJob({ name, schema: z.object({}) })).toThrow(ConfigError);
    expect(() => defineJob({ name, schema: z.object({}) })).toThrow(message);
  });

  it("reports every problem at once", () => {
    const attempt = () =>
      defineJob({
        name: "",
        // @ts-expect-error not a schema
        schema: { parse: () => 1 },
        timeoutSeconds: 901,
        // @ts-expect-error not a boolean
        includeIssueMessages: "yes",
        retry: { maxAttempts: 0, backoff: { type: "exponential", baseSeconds: 10, maxSeconds: 5 } },
      });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(message).toContain("name must be");
    expect(message).toContain("schema must be a Standard Schema");
    expect(message).toContain("timeoutSeconds must be an integer between 1 and 900, but 901 was provided");
    expect(message).toContain("retry.maxAttempts must be an integer between 1 and 100, but 0 was provided");
    expect(message).toContain("maxSeconds (5) must not be below baseSeconds (10)");
    expect(message).toContain('includeIssueMessages must be true or false, but "yes" was provided');
  });
});
