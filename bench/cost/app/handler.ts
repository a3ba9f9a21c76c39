import { createSqsHandler, handle } from "../../../src/index.ts";
import {
  calledJob,
  childJob,
  flowDoneJob,
  laterJob,
  offloadedJob,
  plainJob,
  publishedJob,
  rateLimitedJob,
  trackedJob,
  uniqueJob,
} from "./jobs.ts";

const nothing = async (): Promise<void> => {};

export const handler = createSqsHandler([
  handle(plainJob, nothing),
  handle(trackedJob, nothing),
  handle(uniqueJob, nothing),
  handle(laterJob, nothing),
  handle(calledJob, nothing),
  handle(childJob, nothing),
  handle(flowDoneJob, nothing),
  handle(offloadedJob, nothing),
  handle(rateLimitedJob, nothing),
  handle(publishedJob, nothing),
]);
