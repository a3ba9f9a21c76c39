import { expect, it } from "vitest";
import { runTenJobs } from "./ten-jobs.ts";

/** The CDK mode's vitest file (`startTestApp({ cdk })`) whose whole process `bench/testing/run.ts` times. */
it("runs 10 report jobs through the example app", async () => {
  const jobs = process.env.BENCH_WARM_ROUND === "1" ? 20 : 10;
  expect(await runTenJobs()).toEqual(Array.from({ length: jobs }, () => "succeeded"));
}, 120_000);
