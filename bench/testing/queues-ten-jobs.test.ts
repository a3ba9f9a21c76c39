import { expect, it } from "vitest";
import { runQueuesTenJobs } from "./queues-ten-jobs.ts";

/** The in-process mode's vitest file (`startTestApp({ queues })`) whose whole process `bench/testing/run.ts` times. */
it("runs 10 jobs through a queue declared in code", async () => {
  expect(await runQueuesTenJobs()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
