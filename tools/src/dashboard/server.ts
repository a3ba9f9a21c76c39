import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { closeServer, listen } from "../http/listening.ts";
import { requestUrl } from "../http/request-url.ts";
import { createDashboard, type Dashboard, type DashboardOptions } from "./dashboard.ts";

export interface StartDashboardOptions extends Omit<DashboardOptions, "listenHost"> {
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** 0 picks a free port. @default 4570 */
  readonly port?: number;
}

export interface RunningDashboard {
  /** `http://127.0.0.1:4570/`: the page, without the token. */
  readonly origin: string;
  /** The page with the token in its fragment, which browsers never send to a server or a log. */
  readonly url: string;
  readonly token: string;
  readonly dashboard: Dashboard;
  close(): Promise<void>;
}

/**
 * The dashboard on an HTTP server of its own, base path `/`, on loopback unless told otherwise.
 *
 * @throws {ConfigError} the port is in use
 * @example
 * const { url, close } = await startDashboard({ sqs, lambda, target: { endpoint: null, region: "eu-west-1" }, version });
 */
export async function startDashboard(options: StartDashboardOptions): Promise<RunningDashboard> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4570;
  const dashboard = createDashboard({ ...options, listenHost: host });
  const server = createServer((req, res) => {
    const url = requestUrl(req, res);
    if (url === undefined) return;
    dashboard.handle(req, res, url.pathname.slice(1));
  });
  try {
    await listen(server, {
      host,
      port,
      inUse: "(another sqs-jobs dashboard?); stop it or pass --port (0 picks a free one)",
    });
  } catch (error) {
    dashboard.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const origin = `http://${shownHost}:${address.port}/`;
  return {
    origin,
    url: `${origin}#token=${dashboard.token}`,
    token: dashboard.token,
    dashboard,
    close() {
      dashboard.close();
      return closeServer(server);
    },
  };
}
