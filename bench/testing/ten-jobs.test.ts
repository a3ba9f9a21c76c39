import { expect, it } from "vitest";
import { runTenJobs } from "./ten-jobs.ts";

/** The vitest file whose whole process `bench/testing/run.ts` times. */
it("runs 10 report jobs through the example app", async () => {
  expect(await runTenJobs()).toEqual(Array.from({ length: 10 }, () => "succeeded"));
}, 120_000);
