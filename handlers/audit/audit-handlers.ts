import { child, handle } from "../../src/index.ts";
import { auditSite, extractPage, extractPages, fetchPage, writeAuditReport } from "../jobs/audit.ts";
import type { ObjectStore } from "../object-store.ts";
import { auditReport, type UnreadPage } from "./audit-report.ts";
import { extractPage as extract, type PageFacts } from "./extract.ts";
import type { Site } from "./site.ts";

/** Where the audit's handlers read sites and keep snapshots and reports. */
export interface AuditDeps {
  /** The site a payload names: the bucket's `site/` prefix in the example, an address in the bench. */
  readonly siteFor: (site: string) => Site;
  readonly store: ObjectStore;
}

/** `audits/<id>.json`: one report per `audit-site` job, by its id. */
export const auditReportKey = (auditId: string): string => `audits/${auditId}.json`;
/** Pages the fetch stage could not read, for the report (a list, not a message: it may be long). */
const unreadKey = (auditId: string): string => `audits/${auditId}.unread.json`;

/**
 * The audit's five handlers, by queue: `audit` runs the three short jobs that start stages and
 * write the report, `audit-fetch` and `audit-extract` the per-page ones. Every step is idempotent
 * by job id (children's ids derive from their parent's), so a retried job redoes nothing twice.
 */
export function auditHandlers({ siteFor, store }: AuditDeps) {
  const startFetches = handle(auditSite, async (payload, ctx) => {
    const pages = await siteFor(payload.site).list(ctx.signal);
    // Pages whose fetch died are still reported (as unread): the audit goes on without them.
    await ctx.flow({
      children: pages.map((page) => child(fetchPage, { site: payload.site, page }, { key: page })),
      // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
      then: child(extractPages, { site: payload.site, auditId: ctx.jobId }),
      onChildFailure: "continue",
    });
    ctx.logger.info("audit started", { pages: pages.length });
  });

  const fetchOne = handle(fetchPage, async (payload, ctx) => {
    const html = await siteFor(payload.site).fetch(payload.page, ctx.signal);
    if (html === undefined) return { page: payload.page };
    const snapshotKey = `snapshots/${ctx.jobId}.html`;
    await store.write(snapshotKey, html, ctx.signal);
    return { page: payload.page, snapshotKey };
  });

  const startExtracts = handle(extractPages, async (payload, ctx) => {
    const fetched: { page: string; snapshotKey: string }[] = [];
    const unread: UnreadPage[] = [];
    for await (const children of ctx.childResults(fetchPage)) {
      for (const c of children) {
        if (c.status !== "succeeded") unread.push({ page: c.key, reason: `fetch ${c.status}` });
        else if (c.result.snapshotKey === undefined) unread.push({ page: c.key, reason: "not found" });
        else fetched.push({ page: c.result.page, snapshotKey: c.result.snapshotKey });
      }
    }
    await store.write(unreadKey(payload.auditId), JSON.stringify(unread), ctx.signal);
    await ctx.flow({
      children: fetched.map((f) => child(extractPage, f, { key: f.page })),
      // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
      then: child(writeAuditReport, payload),
      onChildFailure: "continue",
    });
  });

  const extractOne = handle(extractPage, async (payload, ctx) => {
    const html = await store.read(payload.snapshotKey, ctx.signal);
    if (html === undefined) throw new Error(`the snapshot ${payload.snapshotKey} is missing`);
    const facts = extract(payload.page, html);
    return { ...facts, links: [...facts.links] };
  });

  const writeReport = handle(writeAuditReport, async (payload, ctx) => {
    const facts: PageFacts[] = [];
    const unread = JSON.parse(
      (await store.read(unreadKey(payload.auditId), ctx.signal)) ?? "[]",
    ) as UnreadPage[];
    for await (const children of ctx.childResults(extractPage)) {
      for (const c of children) {
        if (c.status === "succeeded") facts.push(c.result);
        else unread.push({ page: c.key, reason: `extract ${c.status}` });
      }
    }
    const report = auditReport(payload.site, facts, unread);
    const reportKey = auditReportKey(payload.auditId);
    await store.write(reportKey, JSON.stringify(report, null, 2), ctx.signal);
    ctx.logger.info("audit report written", { reportKey, pages: report.pages });
    return {
      reportKey,
      pages: report.pages,
      brokenLinks: report.brokenLinks.length,
      orphans: report.orphans.length,
      unread: report.unread.length,
    };
  });

  return {
    audit: [startFetches, startExtracts, writeReport],
    fetch: [fetchOne],
    extract: [extractOne],
  };
}
