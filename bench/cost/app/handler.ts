import { createSqsHandler, handle } from "../../../src/index.ts";
import { calledJob, laterJob, plainJob, trackedJob, uniqueJob } from "./jobs.ts";

const nothing = async (): Promise<void> => {};

export const handler = createSqsHandler([
  handle(plainJob, nothing),
  handle(trackedJob, nothing),
  handle(uniqueJob, nothing),
  handle(laterJob, nothing),
  handle(calledJob, nothing),
]);
