import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brokenLinkCount, type SiteServer, startSiteServer } from "../../bench/audit/site-server.ts";
import { auditReport } from "../../handlers/audit/audit-report.ts";
import { extractPage, type PageFacts } from "../../handlers/audit/extract.ts";
import { httpSite } from "../../handlers/audit/site.ts";

describe("extractPage", () => {
  it("reads the title, the visible words and the site links, resolved against the page", () => {
    const html = `<html><head><title> Our
      team </title><style>p { color: red }</style></head><body>
      <p>Hello there, world's people</p><script>var hidden = 1;</script>
      <a href="../index.html">home</a> <a href='jobs.html#open'>jobs</a> <a href=jobs.html>again</a>
      <a href="#top">top</a> <a href="https://example.com/x">out</a> <a href="mailto:a@example.com">mail</a>
      </body></html>`;
    expect(extractPage("about/team.html", html)).toEqual({
      page: "about/team.html",
      title: "Our team",
      // "Our team" (the title is text too), "Hello there world's people", the six link texts
      words: 12,
      links: ["about/jobs.html", "index.html"],
      externalLinks: 2,
    });
  });

  it("gives an untitled page an empty title", () => {
    expect(extractPage("a.html", "<p>no head</p>")).toMatchObject({ title: "", words: 2, links: [] });
  });
});

describe("auditReport", () => {
  const page = (name: string, links: string[], title = name): PageFacts => ({
    page: name,
    title,
    words: 10,
    links,
    externalLinks: 1,
  });

  it("finds broken links, orphans, untitled and unread pages, whatever the order of the facts", () => {
    const facts = [
      page("index.html", ["a.html", "gone.html"]),
      page("a.html", ["index.html", "down.html"], ""),
      page("lonely.html", ["a.html"]),
    ];
    const unread = [{ page: "down.html", reason: "not found" }];
    const now = new Date("2026-12-07T12:00:00Z");
    const report = auditReport("site/", facts, unread, now);
    expect(report).toEqual({
      site: "site/",
      pages: 4,
      words: 30,
      brokenLinks: [{ from: "index.html", to: "gone.html" }],
      orphans: ["lonely.html"],
      untitled: ["a.html"],
      unread,
      externalLinks: 3,
      auditedAt: now.toISOString(),
    });
    expect(auditReport("site/", [...facts].reverse(), unread, now)).toEqual(report);
  });
});

describe("the benchmark's site server", () => {
  let server: SiteServer;
  beforeAll(async () => {
    server = await startSiteServer({ pages: 250, delayMs: 20 });
  });
  afterAll(() => server?.stop());

  it("serves every page after the delay, a 404 for any other, and a site whose findings are known", async () => {
    const site = httpSite(server.url);
    const signal = AbortSignal.timeout(10_000);
    const pages = await site.list(signal);
    expect(pages).toHaveLength(250);
    const t0 = performance.now();
    const html = await site.fetch("page-99.html", signal);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
    expect(await site.fetch("missing-99.html", signal)).toBeUndefined();
    expect(extractPage("page-99.html", html ?? "")).toMatchObject({
      title: "Page 99",
      links: ["missing-99.html", "page-199.html", "page-200.html", "page-98.html"],
    });
    const facts = await Promise.all(
      pages.map(async (p) => extractPage(p, (await site.fetch(p, signal)) ?? "")),
    );
    const report = auditReport(site.name, facts, []);
    expect(report.brokenLinks).toHaveLength(brokenLinkCount(250));
    expect(report.orphans).toEqual([]);
    expect(server.requests()).toBe(252);
  });
});
