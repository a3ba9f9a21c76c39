import { deepStrictEqual } from "node:assert/strict";
import { it } from "node:test";
import { runTenJobs } from "./ten-jobs.ts";

/** The same test under node:test (`node --test`), whose runner starts in a fraction of vitest's time. */
it("runs 10 report jobs through the example app", async () => {
  deepStrictEqual(
    await runTenJobs(),
    Array.from({ length: 10 }, () => "succeeded"),
  );
});
