/**
 * The example's jobs and queues, for producers (the API, the CLI's `--jobs handlers/jobs.ts`) and
 * the stack. Each job lives in its own module and each consumer imports only its own: a bundler
 * keeps every `defineJob` of a module it loads (esbuild cannot tell the call is pure across
 * files), so a shared module would put every job's schema in every consumer's bundle.
 */
export { BUCKET_ENV, EVENTS_TOPIC } from "./env.ts";
export { analyseText } from "./jobs/analyse-text.ts";

import { AUDIT_QUEUES } from "./jobs/audit.ts";

export {
  AUDIT_QUEUES,
  auditSite,
  extractPage,
  extractPages,
  fetchPage,
  writeAuditReport,
} from "./jobs/audit.ts";
export { buildReport } from "./jobs/build-report.ts";
export { reportReady } from "./jobs/report-ready.ts";
export { sendEmail } from "./jobs/send-email.ts";

/** The example's queues, by the logical names producers use (`new JobClient({ queue })`). */
export const QUEUES = {
  reports: "reports",
  email: "email",
  audit: AUDIT_QUEUES.audit,
  auditFetch: AUDIT_QUEUES.fetch,
  auditExtract: AUDIT_QUEUES.extract,
  reportAudit: "report-audit",
  digest: "digest",
} as const;
