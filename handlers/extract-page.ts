import { createSqsHandler } from "../src/index.ts";
import { exampleAudit } from "./audit/example-site.ts";

/** The site audit's extract stage: one page's title, words and links per job. */
export const handler = createSqsHandler(exampleAudit.extract);
