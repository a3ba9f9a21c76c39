import * as z from "zod/mini";
import { defineJob } from "../../src/index.ts";

/*
 * The site audit (docs/flows.md): `audit-site` lists a site's pages and fans out one `fetch-page`
 * per page; when all are fetched, `extract-pages` fans out one `extract-page` per fetched page; when
 * all are extracted, `write-audit-report` writes the findings to the bucket. Two stages, each on a
 * queue of its own with its own concurrency: fetching waits on the site, extracting on the CPU.
 */

/** The audit's queues: `audit` starts stages and writes the report, one queue per stage. */
export const AUDIT_QUEUES = { audit: "audit", fetch: "audit-fetch", extract: "audit-extract" } as const;

const site = z.string().check(z.minLength(1), z.maxLength(1000));
const page = z.string().check(z.minLength(1), z.maxLength(1000));

/** Audits a site: `site/` (the example bucket's prefix) or, in bench/audit, a site's address. */
export const auditSite = defineJob({
  name: "audit-site",
  schema: z.object({ site }),
  // Listing 10,000 pages and starting a child for each takes more than a page's few seconds.
  timeoutSeconds: 300,
});

/** Downloads one page and keeps a snapshot of it in the bucket for the extract stage. */
export const fetchPage = defineJob({
  name: "fetch-page",
  schema: z.object({ site, page }),
  // `snapshotKey` absent: the site answered that it has no such page.
  result: z.object({ page, snapshotKey: z.optional(z.string()) }),
  retry: { maxAttempts: 3, backoff: { type: "exponential", baseSeconds: 2, maxSeconds: 30 } },
  timeoutSeconds: 20,
});

/** The fetch stage's continuation: starts the extract stage over the pages fetched. */
export const extractPages = defineJob({
  name: "extract-pages",
  schema: z.object({ site, auditId: z.string() }),
  timeoutSeconds: 300,
});

/** Reads one snapshot's title, words and links. */
export const extractPage = defineJob({
  name: "extract-page",
  schema: z.object({ page, snapshotKey: z.string() }),
  result: z.object({
    page,
    title: z.string(),
    words: z.number(),
    links: z.array(z.string()),
    externalLinks: z.number(),
  }),
  retry: { maxAttempts: 3 },
  timeoutSeconds: 20,
});

/** The extract stage's continuation: the site's findings, written to `audits/<auditId>.json`. */
export const writeAuditReport = defineJob({
  name: "write-audit-report",
  schema: z.object({ site, auditId: z.string() }),
  result: z.object({
    reportKey: z.string(),
    pages: z.number(),
    brokenLinks: z.number(),
    orphans: z.number(),
    unread: z.number(),
  }),
  timeoutSeconds: 60,
});
