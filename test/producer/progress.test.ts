import { describe, expect, it } from "vitest";
import { ProgressReport } from "../../src/producer/progress.ts";

// The one guard every batch path (SendMessageBatch, schedules) reports progress through.

describe("ProgressReport", () => {
  it("passes each count on with the total, and adds nothing to the result", () => {
    // Given a callback that records its calls
    const calls: [number, number][] = [];
    const progress = new ProgressReport((done, total) => calls.push([done, total]), 3);
    // When three items settle
    for (const done of [1, 2, 3]) progress.report(done);
    // Then each was reported, and the result has no progressError
    expect(calls).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(progress.finish({ items: [] })).toEqual({ items: [] });
  });

  it("a callback that throws is not called again, and what it threw is in the result", () => {
    // Given a callback that throws on its first call
    const thrown = new Error("progress bar broke");
    let calls = 0;
    const progress = new ProgressReport(() => {
      calls++;
      throw thrown;
    }, 2);
    // When two items settle
    progress.report(1);
    progress.report(2);
    // Then it was called once, and the result carries its error
    expect(calls).toBe(1);
    expect(progress.finish({ items: [] })).toEqual({ items: [], progressError: thrown });
  });

  it("keeps even `undefined` thrown as the callback's error", () => {
    const progress = new ProgressReport(() => {
      throw undefined;
    }, 1);
    progress.report(1);
    expect("progressError" in progress.finish({})).toBe(true);
  });
});
