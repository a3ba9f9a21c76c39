import { createSqsHandler } from "../src/index.ts";
import { exampleAudit } from "./audit/example-site.ts";

/** The site audit's fetch stage: one page per job, its snapshot kept in the bucket. */
export const handler = createSqsHandler(exampleAudit.fetch);
