import { expect, it } from "vitest";

/** The baseline of `bench/testing/run.ts`: a test file that does nothing, for vitest's own start-up. */
it("does nothing", () => {
  expect(true).toBe(true);
});
