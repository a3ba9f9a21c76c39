import { describe, expect, it } from "vitest";
import { MAX_PROGRESS_BYTES, ProgressError, progressJson } from "../../src/consumer/progress-value.ts";

describe("ctx.progress values", () => {
  it("are stored as their JSON, up to the limit", () => {
    expect(progressJson({ done: 3, total: 10, stage: "crawl" })).toBe(
      '{"done":3,"total":10,"stage":"crawl"}',
    );
    expect(progressJson(0.5)).toBe("0.5");
    // The limit itself fits: a string of limit-2 characters is exactly the limit with its quotes
    expect(progressJson("x".repeat(MAX_PROGRESS_BYTES - 2))).toHaveLength(MAX_PROGRESS_BYTES);
  });

  it("are refused with ProgressError past the limit, or when JSON cannot carry them", () => {
    const big = () => progressJson("x".repeat(MAX_PROGRESS_BYTES - 1));
    expect(big).toThrow(ProgressError);
    expect(big).toThrow(/at most 1024 bytes of JSON, but 1025 were given/);
    expect(() => progressJson(10n)).toThrow(ProgressError);
    expect(() => progressJson(() => 1)).toThrow(/progress of type function/);
    const thrown = (() => {
      try {
        progressJson(undefined);
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toMatchObject({ code: "ERR_PROGRESS", name: "ProgressError" });
  });
});
