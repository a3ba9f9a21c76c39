import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve, sep } from "node:path";
import { ConfigError } from "sqs-jobs/internal/core/errors";
import { COMMON_HEADERS } from "./http.ts";

/** The page's files: src/dashboard/ui in the sources, dist/src/dashboard/ui in the package. */
const UI_DIR = join(import.meta.dirname, "ui");

/**
 * The browser modules the page imports, served from the installed packages under
 * `assets/vendor/<package>/<file>`, the same paths as in the package (the page's import map points
 * at them). A fixed list: nothing else of node_modules is reachable.
 */
const VENDOR_FILES: readonly { readonly pkg: string; readonly file: string }[] = [
  { pkg: "preact", file: "dist/preact.mjs" },
  { pkg: "preact", file: "hooks/dist/hooks.mjs" },
  { pkg: "htm", file: "dist/htm.mjs" },
  { pkg: "htm", file: "preact/index.mjs" },
];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** A static answer: status, headers and body. */
export interface StaticAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer;
}

/**
 * The page and its assets. index.html is read once, at start, to allow its inline import map by
 * hash in the Content-Security-Policy; every other file is read when asked, so a change to the
 * page shows on reload.
 */
export class StaticAssets {
  readonly #index: string;
  readonly #csp: string;
  readonly #vendor: ReadonlyMap<string, string>;
  readonly #uiDir: string;

  constructor(options: { readonly uiDir?: string } = {}) {
    const uiDir = options.uiDir ?? UI_DIR;
    this.#uiDir = resolve(uiDir);
    const indexFile = join(uiDir, "index.html");
    this.#index = existsSync(indexFile) ? readFileSync(indexFile, "utf8") : MISSING_PAGE;
    this.#csp = contentSecurityPolicy(this.#index);
    this.#vendor = vendorPaths();
  }

  /** The policy sent with every answer: only this server, scripts by file or by hash. */
  get csp(): string {
    return this.#csp;
  }

  /** The answer for a path under the base (no leading slash), or `undefined` when it is no asset. */
  async answer(path: string): Promise<StaticAnswer | undefined> {
    if (path === "" || path === "index.html") return this.#ok(".html", this.#index, "no-cache");
    if (!path.startsWith("assets/")) return undefined;
    const rest = path.slice("assets/".length);
    const vendorFile = rest.startsWith("vendor/")
      ? this.#vendor.get(rest.slice("vendor/".length))
      : undefined;
    if (vendorFile !== undefined) return this.#ok(".mjs", await readFile(vendorFile), "no-cache");
    const file = this.#uiFile(rest);
    if (file === undefined) return undefined;
    try {
      return this.#ok(extname(file), await readFile(file), "no-cache");
    } catch {
      return undefined;
    }
  }

  /** A file of the page's directory, or `undefined` for any name that could leave it. */
  #uiFile(rest: string): string | undefined {
    const safe = /^([a-z0-9][a-z0-9_-]*\/)*[a-z0-9][a-z0-9._-]*$/i.test(rest) && !rest.includes("..");
    if (!safe || CONTENT_TYPES[extname(rest)] === undefined || extname(rest) === ".html") return undefined;
    const file = resolve(this.#uiDir, rest);
    return file.startsWith(this.#uiDir + sep) ? file : undefined;
  }

  #ok(ext: string, body: string | Buffer, cache: string): StaticAnswer {
    return {
      status: 200,
      headers: {
        ...COMMON_HEADERS,
        "content-type": CONTENT_TYPES[ext] ?? "application/octet-stream",
        "content-security-policy": this.#csp,
        "cache-control": cache,
      },
      body,
    };
  }
}

/** Shown when the page's files are missing (a broken install): says so instead of a blank 404. */
const MISSING_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>sqs-jobs dashboard</title>
<p>The dashboard's page is missing from this installation of sqs-jobs (no ui/index.html); the API under api/ works.</p>
`;

/**
 * `default-src 'self'` and nothing inline but the page's import map(s), allowed by their SHA-256:
 * an injected script or a request to another host is refused by the browser.
 */
function contentSecurityPolicy(html: string): string {
  const hashes = [
    ...html.matchAll(/<script\b[^>]*\btype=["']?importmap["']?[^>]*>([\s\S]*?)<\/script>/gi),
  ].map(
    (m) =>
      `'sha256-${createHash("sha256")
        .update(m[1] ?? "")
        .digest("base64")}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((h) => ` ${h}`).join("")}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * `<package>/<file>` -> the file on disk, found from the package's resolved entry point (resolved
 * from this file, so it works from src/ and from the installed dist/). htm's exports do not
 * include its package.json, so the package root is found by walking up from its entry.
 */
function vendorPaths(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const roots = new Map<string, string>();
  const paths = new Map<string, string>();
  for (const { pkg, file } of VENDOR_FILES) {
    let root = roots.get(pkg);
    if (root === undefined) {
      root = packageRoot(require.resolve(pkg), pkg);
      roots.set(pkg, root);
    }
    paths.set(`${pkg}/${file}`, join(root, file));
  }
  return paths;
}

function packageRoot(entry: string, pkg: string): string {
  let dir = dirname(entry);
  while (dir !== dirname(dir)) {
    if (dir.endsWith(`${sep}node_modules${sep}${pkg}`)) return dir;
    dir = dirname(dir);
  }
  throw new ConfigError(`cannot find the root of the package ${pkg} from ${entry}; reinstall sqs-jobs`);
}
