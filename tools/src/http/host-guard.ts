import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";

/** Names that always mean this machine: `localhost` and, per RFC 6761, every `*.localhost`. */
function isLocalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

function isLoopbackAddress(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, "");
  return bare === "::1" || (isIP(bare) === 4 && bare.startsWith("127."));
}

/** The host part of a `Host` header value (`name:port`, `[v6]:port`). */
function hostnameOf(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Why a request must be refused, or `undefined` to serve it. As Vite's dev server does against
 * DNS rebinding and cross-site requests:
 * - the `Host` must be a local name, an IP address (a rebinding attack needs a name it controls)
 *   or the host the server was told to listen on;
 * - a browser request (one with `Origin` or `Sec-Fetch-Site`) must come from a page on this
 *   machine: a web page elsewhere could otherwise invoke local functions with a simple POST.
 * AWS SDKs and the AWS CLI send neither browser header.
 *
 * With `sameOrigin` (the dashboard), a browser request must come from the server's own origin
 * (`http://` + its `Host`), not merely from this machine: another local page (a dev server on
 * another port) must not act on queues either.
 */
export function refusalOf(
  headers: IncomingHttpHeaders,
  listenHost: string,
  options: { readonly server?: string; readonly sameOrigin?: boolean } = {},
): string | undefined {
  const server = options.server ?? "sqs-jobs dev";
  const host = headers.host ?? "";
  const hostname = hostnameOf(host);
  const listening = hostnameOf(listenHost) ?? listenHost;
  if (
    hostname === undefined ||
    !(isLocalName(hostname) || isIP(hostname.replace(/^\[|\]$/g, "")) !== 0 || hostname === listening)
  ) {
    return `Host "${host.slice(0, 100)}" is not this machine: ${server} answers only requests for localhost, *.localhost or an IP address (protection against DNS rebinding)`;
  }
  const origin = headers.origin;
  const site = headers["sec-fetch-site"];
  if (options.sameOrigin === true) {
    if (origin !== undefined && origin !== `http://${host}`) {
      return `cross-origin request from "${origin.slice(0, 100)}" refused: ${server} serves browser requests only from its own pages (http://${host.slice(0, 100)})`;
    }
    if (site === "cross-site" || site === "same-site") {
      return `${site} browser request refused: ${server} serves browser requests only from its own pages`;
    }
    return undefined;
  }
  if (origin !== undefined) {
    const originHost =
      origin === "null" ? undefined : hostnameOf(origin.replace(/^[a-z][a-z0-9+.-]*:\/\//i, ""));
    if (originHost === undefined || !(isLocalName(originHost) || isLoopbackAddress(originHost))) {
      return `cross-origin request from "${origin.slice(0, 100)}" refused: ${server} serves browser requests only from pages on localhost`;
    }
  } else if (site === "cross-site") {
    return `cross-site browser request refused: ${server} serves browser requests only from pages on localhost`;
  }
  return undefined;
}
