import * as z from "zod/mini";
import { type AuditReport, auditReport, type UnreadPage } from "../../handlers/audit/audit-report.ts";
import { extractPage, type PageFacts } from "../../handlers/audit/extract.ts";
import { httpSite } from "../../handlers/audit/site.ts";
import { defineJob, handle } from "../../src/index.ts";

/**
 * The baseline of bench/audit: the whole audit as one job, a loop that fetches and extracts one
 * page after another (how the crawl ran before Gearman split it into stages), then builds the
 * same report as the flow's summary job.
 */
export const auditInOneJob = defineJob({
  name: "audit-in-one-job",
  schema: z.object({ site: z.url() }),
  result: z.object({ pages: z.number(), brokenLinks: z.number(), unread: z.number() }),
  // Lambda's longest run: 10,000 pages at 50 ms each fit (500 s of waiting); pages slower than
  // about 85 ms would not, a limit of the loop on Lambda that the flow does not have.
  timeoutSeconds: 900,
});

/** Binds the baseline; `reports` receives each report it builds. */
export function oneJobHandler(reports: AuditReport[]) {
  return handle(auditInOneJob, async ({ site: url }, ctx) => {
    const site = httpSite(url);
    const facts: PageFacts[] = [];
    const unread: UnreadPage[] = [];
    for (const page of await site.list(ctx.signal)) {
      const html = await site.fetch(page, ctx.signal);
      if (html === undefined) unread.push({ page, reason: "not found" });
      else facts.push(extractPage(page, html));
    }
    const report = auditReport(site.name, facts, unread);
    reports.push(report);
    return { pages: report.pages, brokenLinks: report.brokenLinks.length, unread: report.unread.length };
  });
}
