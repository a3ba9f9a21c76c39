import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { ConfigError } from "sqs-jobs/internal/core/errors";
import { refusalOf } from "../http/host-guard.ts";
import { DashboardApi, isAction } from "./api.ts";
import { DashboardRequestError, toApiError } from "./api-error.ts";
import { COMMON_HEADERS, sendError, sendText } from "./http.ts";
import { LedgerJobs } from "./ledger-jobs.ts";
import type { RateSource } from "./rates.ts";
import { StaticAssets } from "./static-assets.ts";

/** The header that carries the token on every action. */
export const TOKEN_HEADER = "x-sqs-jobs-token";

export interface DashboardOptions {
  readonly sqs: SQSClient;
  /** Reads and switches consumers (event source mappings); without it they show as unknown. */
  readonly lambda?: LambdaClient;
  /** The job ledger's client, made on first use; needed with `ledgerTable`. */
  readonly dynamodb?: () => Promise<DynamoDBClient>;
  /** The job ledger's table; without it `api/jobs` answers 404 NO_LEDGER. */
  readonly ledgerTable?: string;
  /** EventBridge Scheduler's client, made on first use; without it `api/schedules` answers 404. */
  readonly scheduler?: () => Promise<SchedulerClient>;
  /** Where the per-minute rates come from. @default none (the page says why) */
  readonly rates?: RateSource;
  /** Only the queues whose name starts with this (as `sqs-jobs status --prefix`). */
  readonly prefix?: string;
  /** What `api/info` says the dashboard is connected to. */
  readonly target: { readonly endpoint: string | null; readonly region: string };
  readonly version: string;
  /** Refuse every action (403 READ_ONLY). @default false */
  readonly readOnly?: boolean;
  /** The host the server listens on: a `Host` naming it is accepted besides local names and IPs. */
  readonly listenHost: string;
  /** How often queue depths are sampled for the history while a page is open. @default 5,000 */
  readonly sampleEveryMs?: number;
  /**
   * How long after its last request a page counts as closed: sampling stops, and the server makes
   * no call until the next request. @default 30,000
   */
  readonly idleAfterMs?: number;
  /** @default the page in this package */
  readonly uiDir?: string;
}

/** The dashboard as a request handler, to mount on a server at any base path. */
export interface Dashboard {
  /** The secret every action must carry in {@link TOKEN_HEADER}. */
  readonly token: string;
  /**
   * Answers a request; `path` is its path under the dashboard's base, without the leading slash
   * (`""` for the page, `api/queues`, `assets/app.js`).
   */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
  /** Stops sampling queue depths for good. */
  close(): void;
}

/**
 * The dashboard: the page, its assets and its API, with the safety rules of docs/dashboard.md
 * (own-origin browser requests only, a token for actions, read-only mode), and the sampling of
 * queue depths for its charts while a page is open.
 *
 * @example
 * const dashboard = createDashboard({ sqs, lambda, target: { endpoint: null, region }, version, listenHost: "127.0.0.1" });
 * createServer((req, res) => dashboard.handle(req, res, new URL(req.url ?? "/", "http://x").pathname.slice(1)));
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const token = randomBytes(24).toString("base64url");
  const readOnly = options.readOnly ?? false;
  const assets = new StaticAssets({ uiDir: options.uiDir });
  const api = new DashboardApi({
    sqs: options.sqs,
    lambda: options.lambda,
    scheduler: options.scheduler,
    rates: options.rates,
    prefix: options.prefix,
    sampleEveryMs: options.sampleEveryMs ?? 5_000,
    idleAfterMs: options.idleAfterMs ?? 30_000,
    jobs: new LedgerJobs({
      tableName: options.ledgerTable,
      dynamodb:
        options.dynamodb ??
        (() => Promise.reject(new ConfigError("the dashboard has a ledger table but no DynamoDB client"))),
    }),
    info: { version: options.version, target: options.target, readOnly },
  });

  const checkAction = (req: IncomingMessage, url: URL): void => {
    if (!isAction(req.method ?? "GET", url)) return;
    if (readOnly) {
      throw new DashboardRequestError(
        403,
        "READ_ONLY",
        "this dashboard is read-only (started with --read-only)",
      );
    }
    const given = req.headers[TOKEN_HEADER];
    if (typeof given !== "string" || !sameSecret(given, token)) {
      throw new DashboardRequestError(
        401,
        "TOKEN_REQUIRED",
        `this action needs the dashboard's token in the ${TOKEN_HEADER} header: open the URL the dashboard printed (with #token=...)`,
      );
    }
  };

  return {
    token,
    handle(req, res, path) {
      const refusal = refusalOf(req.headers, options.listenHost, {
        server: "the sqs-jobs dashboard",
        sameOrigin: true,
      });
      if (refusal !== undefined) {
        req.resume();
        sendText(res, 403, refusal);
        return;
      }
      const url = new URL(req.url ?? "/", "http://dashboard");
      if (path.startsWith("api/")) {
        Promise.resolve()
          .then(() => checkAction(req, url))
          .then(() => api.handle(req, res, path.slice("api/".length), url))
          .catch((error: unknown) => {
            req.resume();
            const apiError = toApiError(error);
            // Only a bug gets a stack trace here: AWS refusals are typed, and the page shows them.
            if (apiError.apiCode === "INTERNAL") process.stderr.write(`dashboard: ${describe(error)}\n`);
            if (!res.headersSent) sendError(res, apiError);
            else res.end();
          });
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        req.resume();
        sendText(res, 405, `${req.method} is not allowed here`);
        return;
      }
      assets.answer(path).then(
        (answer) => {
          if (answer === undefined) sendText(res, 404, "not found");
          else
            res.writeHead(answer.status, answer.headers).end(req.method === "HEAD" ? undefined : answer.body);
        },
        (error: unknown) => {
          process.stderr.write(`dashboard: ${describe(error)}\n`);
          res.writeHead(500, COMMON_HEADERS).end();
        },
      );
    },
    close() {
      api.close();
    },
  };
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
