import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Node's connection errors the SDK's HTTP handler renames to TimeoutError; we do the same. */
const RENAMED_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"]);

/**
 * Keep-alive connections for one transport, like the SDK's handler (50 sockets per host). Node
 * unreferences idle sockets, so they never keep a process alive.
 */
export class Connections {
  readonly #http = new http.Agent({ keepAlive: true, maxSockets: 50 });
  readonly #https = new https.Agent({ keepAlive: true, maxSockets: 50 });

  /**
   * POSTs `body` and reads the whole answer as text. Fails with the socket's error (a reset, a
   * refused connection) or, after `timeoutMs` without the full answer, with a TimeoutError.
   */
  post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpAnswer> {
    const secure = url.protocol === "https:";
    return new Promise((resolve, reject) => {
      const fail = (error: Error & { code?: string }) => {
        clearTimeout(timer);
        if (error.code !== undefined && RENAMED_CODES.has(error.code)) error.name = "TimeoutError";
        reject(error);
      };
      const request = (secure ? https : http).request(
        {
          method: "POST",
          hostname: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
          agent: secure ? this.#https : this.#http,
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("error", fail);
          // A connection dropped mid-answer: no "end", maybe no "error" either.
          response.on("close", () => {
            if (!response.complete) fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
          });
          response.on("end", () => {
            clearTimeout(timer);
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text });
          });
        },
      );
      const timer = setTimeout(() => {
        request.destroy(
          Object.assign(new Error(`no complete answer from SQS within ${timeoutMs} ms`), {
            name: "TimeoutError",
            code: "ETIMEDOUT",
          }),
        );
      }, timeoutMs);
      request.on("error", fail);
      request.end(body);
    });
  }
}
