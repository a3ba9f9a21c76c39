import type { ObjectStore } from "../object-store.ts";

/**
 * Where the audit reads a site's pages: the example's bucket (its `site/` prefix) on AWS and in
 * `npm start`, a local HTTP server in bench/audit. Paths are relative to the site's root.
 */
export interface Site {
  /** A name for reports and logs (the bucket prefix, the server's address). */
  readonly name: string;
  /** Every page of the site. */
  list(signal: AbortSignal): Promise<string[]>;
  /** The page's HTML, or undefined when the site has no such page. */
  fetch(page: string, signal: AbortSignal): Promise<string | undefined>;
}

/** A site served over HTTP that lists its pages, one a line, at `/sitemap.txt`. */
export function httpSite(baseUrl: string): Site {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  const get = async (path: string, signal: AbortSignal) => {
    const response = await fetch(new URL(path, base), { signal });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    // Anything else but 200 may pass (a restart, a rate limit): throw, and the job's retry tries again.
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return await response.text();
  };
  return {
    name: base,
    async list(signal) {
      const text = (await get("sitemap.txt", signal)) ?? "";
      return text.split("\n").filter((line) => line !== "");
    },
    fetch: (page, signal) => get(page, signal),
  };
}

/** A site kept in a bucket, one object per page under `prefix` (the example's `site/`). */
export function bucketSite(store: ObjectStore, prefix: string): Site {
  return {
    name: prefix,
    async list(signal) {
      const keys = await store.list(prefix, signal);
      return keys.filter((key) => key.endsWith(".html")).map((key) => key.slice(prefix.length));
    },
    fetch: (page, signal) => store.read(`${prefix}${page}`, signal),
  };
}
