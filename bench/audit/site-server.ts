import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A generated site on loopback: what bench/audit and its test audit. */
export interface SiteServer {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** Page requests answered so far (the sitemap not counted). */
  readonly requests: () => number;
  stop(): Promise<void>;
}

export interface SiteServerOptions {
  readonly pages: number;
  /** How long each page takes to answer: the site's latency, which the audit's concurrency hides. */
  readonly delayMs: number;
  /** Words of text per page. @default 300 */
  readonly words?: number;
}

const VOCABULARY =
  "queue job worker flow stage fetch parse store page link site crawl audit lambda ledger".split(" ");

/** `page-<n>.html`, the home page being `index.html`. */
export const pagePath = (n: number): string => (n === 0 ? "index.html" : `page-${n}.html`);

/**
 * Page n links to pages 2n+1 and 2n+2 (so every page is reached from the home page), to n-1, and
 * every 100th page to one page the site does not have: a known number of broken links to find.
 */
export function pageHtml(n: number, pages: number, words: number): string {
  const links = [2 * n + 1, 2 * n + 2, n - 1]
    .filter((m) => m >= 0 && m < pages)
    .map((m) => `<a href="${pagePath(m)}">page ${m}</a>`);
  if (n % 100 === 99) links.push(`<a href="missing-${n}.html">gone</a>`);
  links.push(`<a href="https://example.com/">elsewhere</a>`);
  const text = Array.from({ length: words }, (_, i) => VOCABULARY[(n * 7 + i * 3) % VOCABULARY.length]);
  return `<!doctype html><html><head><title>Page ${n}</title></head><body><h1>Page ${n}</h1><p>${text.join(" ")}</p><nav>${links.join(" ")}</nav></body></html>`;
}

/** Broken links the generated site holds: one on every 100th page. */
export const brokenLinkCount = (pages: number): number => Math.floor((pages + 1) / 100);

/** Serves the site on a free loopback port; each page answers after `delayMs`. */
export async function startSiteServer(options: SiteServerOptions): Promise<SiteServer> {
  const words = options.words ?? 300;
  const sitemap = `${Array.from({ length: options.pages }, (_, n) => pagePath(n)).join("\n")}\n`;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").slice(1);
    if (path === "sitemap.txt") {
      res.writeHead(200, { "content-type": "text/plain" }).end(sitemap);
      return;
    }
    requests++;
    const n = path === "index.html" ? 0 : Number(/^page-(\d+)\.html$/.exec(path)?.[1] ?? Number.NaN);
    setTimeout(() => {
      if (!Number.isInteger(n) || n >= options.pages) res.writeHead(404).end();
      else res.writeHead(200, { "content-type": "text/html" }).end(pageHtml(n, options.pages, words));
    }, options.delayMs);
  });
  // Keep-alive sockets would hold close() until they idle out.
  server.keepAliveTimeout = 1_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests: () => requests,
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
