import * as z from "zod/mini";
import { defineJob } from "../../src/index.ts";

/**
 * Published to the `events` topic once a report is built: the audit queue records every one, the
 * digest queue only long reports, filtered on the `words` attribute.
 */
export const reportReady = defineJob({
  name: "report.ready",
  schema: z.object({ reportKey: z.string(), words: z.number() }),
  attributes: { words: (report) => report.words },
  timeoutSeconds: 15,
});
