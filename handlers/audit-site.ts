import { createSqsHandler, JobClient } from "../src/index.ts";
import { exampleAudit } from "./audit/example-site.ts";
import { AUDIT_QUEUES, extractPage, fetchPage } from "./jobs/audit.ts";

/**
 * The site audit's `audit` queue: lists a site, starts each stage, writes the report. Each stage's
 * children go to the stage's queue (its URL set by `grantSendJobs`); the continuations come back
 * here, the consumer's own queue.
 */
export const handler = createSqsHandler(exampleAudit.audit, {
  routes: [
    { jobs: [fetchPage], client: new JobClient({ queue: AUDIT_QUEUES.fetch }) },
    { jobs: [extractPage], client: new JobClient({ queue: AUDIT_QUEUES.extract }) },
  ],
});
