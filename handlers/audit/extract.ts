/** What the audit keeps of one page: enough to find broken links, orphans and thin pages. */
export interface PageFacts {
  /** The page's path in the site (`about.html`, `blog/2026/launch.html`). */
  readonly page: string;
  /** The text of `<title>`, or "" when the page has none (an audit finding of its own). */
  readonly title: string;
  /** Words of visible text, tags and scripts left out. */
  readonly words: number;
  /** The site pages it links to (relative links resolved against the page, fragments dropped), each once. */
  readonly links: readonly string[];
  /** Links that leave the site (another host or scheme), counted, not followed. */
  readonly externalLinks: number;
}

const TITLE = /<title[^>]*>([\s\S]*?)<\/title>/i;
const HREF = /<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const INVISIBLE = /<(script|style)[^>]*>[\s\S]*?<\/\1>/gi;
/** Any base is fine: it only lets `URL` resolve relative links; what is under it is the site. */
const SITE = "https://site.invalid/";

/**
 * Reads a page's title, words and links with regular expressions, as a crawler's extract stage
 * does: pages are the site's own HTML, so a tolerant scan is enough and keeps the example free of
 * an HTML parser dependency.
 */
export function extractPage(page: string, html: string): PageFacts {
  const title = (TITLE.exec(html)?.[1] ?? "").replace(/\s+/g, " ").trim();
  const text = html.replace(INVISIBLE, " ").replace(/<[^>]*>/g, " ");
  const words = text.match(/[\p{L}\p{N}']+/gu)?.length ?? 0;
  const links = new Set<string>();
  let externalLinks = 0;
  const base = new URL(page, SITE);
  for (const match of html.matchAll(HREF)) {
    const href = match[1] ?? match[2] ?? match[3] ?? "";
    let target: URL;
    try {
      target = new URL(href, base);
    } catch {
      continue;
    }
    if (target.origin !== new URL(SITE).origin) {
      externalLinks++;
      continue;
    }
    const path = decodeURIComponent(target.pathname.slice(1));
    if (path !== page) links.add(path === "" ? "index.html" : path);
  }
  return { page, title, words, links: [...links].sort(), externalLinks };
}
