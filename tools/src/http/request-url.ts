import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The request's target as a URL, or `undefined` after answering 400: an absolute-form target no
 * URL parser takes (`GET http://[`) would otherwise throw where nothing catches it, and end the
 * server.
 */
export function requestUrl(req: IncomingMessage, res: ServerResponse): URL | undefined {
  const url = URL.parse(req.url ?? "/", "http://local");
  if (url !== null) return url;
  res
    .writeHead(400, { "content-type": "text/plain; charset=utf-8" })
    .end("the request target is not a URL\n");
  req.resume();
  return undefined;
}
