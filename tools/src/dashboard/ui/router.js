// The hash router: `#/queues`, `#/queues/<name>/dlq?reason=...`, `#/jobs?state=...`,
// `#/jobs/<id>`, `#/schedules`. Filters live in the hash's query, so the back button and a copied
// link bring them back.
import { useEffect, useState } from "preact/hooks";

/**
 * @typedef {{ page: "queues" | "dlq" | "jobs" | "job" | "schedules" | "not-found",
 *   path: string, params: Record<string, string>, query: URLSearchParams }} Route
 */

/** @type {[RegExp, Route["page"], string[]][]} */
const ROUTES = [
  [/^\/queues$/, "queues", []],
  [/^\/queues\/([^/]+)\/dlq$/, "dlq", ["queue"]],
  [/^\/jobs$/, "jobs", []],
  [/^\/jobs\/([^/]+)$/, "job", ["id"]],
  [/^\/schedules$/, "schedules", []],
];

/**
 * @param {string} hash `location.hash`
 * @returns {Route}
 */
function parseHash(hash) {
  const [rawPath = "", search = ""] = hash.replace(/^#/, "").split("?", 2);
  const path = rawPath === "" || rawPath === "/" ? "/queues" : rawPath;
  const query = new URLSearchParams(search);
  for (const [pattern, page, names] of ROUTES) {
    const match = pattern.exec(path);
    if (match === null) continue;
    /** @type {Record<string, string>} */
    const params = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] ?? "");
    });
    return { page, path, params, query };
  }
  return { page: "not-found", path, params: {}, query };
}

/**
 * A link to a page, with empty query values left out.
 * @param {string} path e.g. `/queues/reports/dlq`
 * @param {Record<string, string | undefined | null>} [query]
 */
export function href(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, value);
  }
  const search = params.toString();
  return `#${path}${search === "" ? "" : `?${search}`}`;
}

/** The route of the address bar, kept up to date. */
export function useRoute() {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}

/** @param {string} name */
export function queuePath(name) {
  return `/queues/${encodeURIComponent(name)}/dlq`;
}
