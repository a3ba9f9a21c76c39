import type { PageFacts } from "./extract.ts";

/** A page the audit could not read, and why (never its content). */
export interface UnreadPage {
  readonly page: string;
  readonly reason: string;
}

/** What the summary job writes to the bucket: the findings first, the counts after. */
export interface AuditReport {
  readonly site: string;
  readonly pages: number;
  readonly words: number;
  /** Links to pages the site does not have: `{ from, to }`, sorted. */
  readonly brokenLinks: readonly { readonly from: string; readonly to: string }[];
  /** Pages no other page links to (the home page excepted). */
  readonly orphans: readonly string[];
  readonly untitled: readonly string[];
  readonly unread: readonly UnreadPage[];
  readonly externalLinks: number;
  readonly auditedAt: string;
}

/** The site's home page: reached by its address, so it is never an orphan. */
const HOME = "index.html";

/** Turns every page's facts into the site's findings; the order of `facts` does not matter. */
export function auditReport(
  site: string,
  facts: readonly PageFacts[],
  unread: readonly UnreadPage[],
  now: Date = new Date(),
): AuditReport {
  const known = new Set([...facts.map((f) => f.page), ...unread.map((u) => u.page)]);
  const linked = new Set<string>();
  const brokenLinks: { from: string; to: string }[] = [];
  for (const f of facts) {
    for (const to of f.links) {
      linked.add(to);
      if (!known.has(to)) brokenLinks.push({ from: f.page, to });
    }
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    site,
    pages: known.size,
    words: facts.reduce((sum, f) => sum + f.words, 0),
    brokenLinks: brokenLinks.sort((a, b) => byName(a.from, b.from) || byName(a.to, b.to)),
    orphans: [...known].filter((p) => p !== HOME && !linked.has(p)).sort(byName),
    untitled: facts
      .filter((f) => f.title === "")
      .map((f) => f.page)
      .sort(byName),
    unread: [...unread].sort((a, b) => byName(a.page, b.page)),
    externalLinks: facts.reduce((sum, f) => sum + f.externalLinks, 0),
    auditedAt: now.toISOString(),
  };
}
