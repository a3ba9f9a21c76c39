import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

/** The header that carries the secret every request to dynalite's own port must bear. */
export const KEY_HEADER = "x-sqs-jobs-dynamodb-key";

type Dynalite = (options: {
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
  path?: string;
}) => Server;

/** dynalite listening on loopback, in whichever process called {@link listenDynalite}. */
export interface DynaliteServer {
  readonly port: number;
  /** The process it runs in. */
  readonly pid: number;
  close(): Promise<void>;
}

/**
 * Starts dynalite's server on a free loopback port, answering only requests that carry `key`.
 * The local stack calls it in its own process, or in a child process of its own
 * (`dynalite-process.ts`), which is the same server on another core.
 */
export async function listenDynalite(options: {
  key: string;
  path?: string | undefined;
}): Promise<DynaliteServer> {
  // dynalite is CommonJS without types; loaded here, on first use, as only the local stack needs it.
  const dynalite = createRequire(import.meta.url)("dynalite") as Dynalite;
  const server = dynalite({
    // Tables are ACTIVE at once: nothing local needs to wait for one.
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  guard(server, options.key);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    pid: process.pid,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * Lets through only requests that carry `key`, which only the local stack's DynamoDB sends: the
 * endpoint checks Host and Origin, and dynalite's own port, which answers any page's CORS preflight,
 * must not be a way around that.
 */
function guard(server: Server, key: string): void {
  // createServer registers dynalite's handler as the server's "request" listener.
  const listeners = server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers[KEY_HEADER] === key) {
      for (const listener of listeners) listener(req, res);
      return;
    }
    req.resume();
    res
      .writeHead(403, { "content-type": "text/plain; charset=utf-8" })
      .end("use the sqs-jobs dev endpoint\n");
  });
}
