import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { readBody } from "../http/request-body.ts";
import { claimDirectory } from "./directory-claim.ts";
import { forkDynalite } from "./dynalite-fork.ts";
import { type DynaliteServer, KEY_HEADER, listenDynalite } from "./dynalite-server.ts";
import { PERSISTED, PersistedStoreError } from "./persist-store.ts";
import { type MeteredRequest, meterDynamoDbRequest } from "./request-meter.ts";

const TARGET_PREFIX = "DynamoDB_20120810.";

/** Whether a request is a DynamoDB call: the SDK and the CLI send `POST /` with this target header. */
export function isDynamoDbRequest(headers: IncomingHttpHeaders): boolean {
  const target = headers["x-amz-target"];
  return typeof target === "string" && target.startsWith(TARGET_PREFIX);
}

export interface LocalDynamoDb {
  /** Where dynalite listens: always loopback. */
  readonly host: string;
  readonly port: number;
  /** The process dynalite runs in: this one's, or its own child's (`process: "own"`). */
  readonly pid: number;
  /** Serves one DynamoDB request (see {@link isDynamoDbRequest}). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  stop(): Promise<void>;
}

/** Options of {@link startLocalDynamoDb}. */
export interface LocalDynamoDbOptions {
  /** Keep tables and items in `<dataDir>/dynamodb` (LevelDB) across restarts. */
  readonly dataDir?: string | undefined;
  /** Sees every DynamoDB call (what bench/cost counts). */
  readonly onRequest?: ((request: MeteredRequest) => void) | undefined;
  /**
   * Where dynalite's server runs: `"shared"`, in this process; `"own"`, in a child process of its
   * own, so that its CPU (a few milliseconds a call) is not the consumers' (bench/audit, as on
   * AWS, where DynamoDB does not run on the consumer's CPU). The calls go through the endpoint either way.
   * @default "shared"
   */
  readonly process?: "shared" | "own" | undefined;
}

/**
 * dynalite (DynamoDB on LevelDB) on its own loopback port, in this process or a child of its own
 * (`options.process`). It is not driven in-process without a
 * port: its server closes its database only from `close()` of a server that listened, and a database
 * left open keeps its directory locked, so a restart on the same `--persist` directory would fail.
 *
 * dynalite 4 has no UpdateTimeToLive and always describes TTL as disabled; those two calls are
 * answered here, from memory: the dev stack turns TTL on again for the template's tables at each
 * start. Expired items are not deleted: on AWS TTL deletes them only within days, so code must treat
 * an expired item as absent anyway.
 */
export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const require = createRequire(import.meta.url);
  let path: string | undefined;
  let release = (): void => {};
  if (options.dataDir !== undefined) {
    path = join(options.dataDir, PERSISTED.dynamodb);
    mkdirSync(path, { recursive: true });
    release = claimDirectory(path, options.dataDir);
    try {
      await checkStore(require, path);
    } catch (error) {
      release();
      throw error;
    }
  }
  const ttl = new Map<string, string>();
  const key = randomBytes(16).toString("hex");
  let server: DynaliteServer;
  try {
    server =
      options.process === "own" ? await forkDynalite({ key, path }) : await listenDynalite({ key, path });
  } catch (error) {
    release();
    throw error;
  }
  const { port } = server;
  return {
    host: "127.0.0.1",
    port,
    pid: server.pid,
    handle(req, res) {
      serve(req, res, { port, key, ttl, onRequest: options.onRequest }).catch((error: unknown) => {
        if (res.headersSent) res.destroy();
        else answer(res, 502, { message: `local DynamoDB unreachable: ${String(error)}` });
      });
    },
    async stop() {
      await server.close();
      release();
    },
  };
}

/**
 * Reads the LevelDB store through once before dynalite opens it: dynalite opens it lazily and
 * throws what it cannot open or read, uncaught, from the call that meets it (a damaged manifest
 * on the first call, a damaged table file on the first read of it), which ends the whole process.
 * A local store is small; reading it costs milliseconds. With dynalite's own `level` (knip.json
 * ignores it: a dependency of dynalite, not ours), so it is the same LevelDB that opens it next.
 */
async function checkStore(require: NodeJS.Require, path: string): Promise<void> {
  const { Level } = require(require.resolve("level", { paths: [require.resolve("dynalite")] })) as {
    Level: new (
      path: string,
    ) => { open(): Promise<void>; keys(): AsyncIterable<string>; close(): Promise<void> };
  };
  const db = new Level(path);
  try {
    await db.open();
    for await (const _key of db.keys()) {
      // Reading every block is the check: a damaged one throws here.
    }
  } catch (error) {
    // LevelDB's own reason is on the cause (LEVEL_DATABASE_NOT_OPEN wraps LEVEL_CORRUPTION...).
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
    throw new PersistedStoreError(path, "the DynamoDB store (dynalite)", { cause });
  } finally {
    await db.close();
  }
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      "content-type": "application/x-amz-json-1.0",
      "content-length": String(Buffer.byteLength(text)),
    })
    .end(text);
}

function validation(res: ServerResponse, message: string): void {
  answer(res, 400, { __type: "com.amazon.coral.validate#ValidationException", message });
}

/** Sends one call to dynalite, as the client sent it or as another action with another body. */
function forward(
  req: IncomingMessage,
  ctx: Context,
  call: { action: string; body: string },
): Promise<IncomingMessage> {
  const headers = {
    ...req.headers,
    [KEY_HEADER]: ctx.key,
    "x-amz-target": `${TARGET_PREFIX}${call.action}`,
    "content-length": String(Buffer.byteLength(call.body)),
  };
  delete headers["transfer-encoding"];
  return new Promise((resolve, reject) => {
    const upstream = request(
      { host: "127.0.0.1", port: ctx.port, method: "POST", path: req.url, headers },
      resolve,
    );
    upstream.on("error", reject);
    upstream.end(call.body);
  });
}

function pipeAnswer(upstream: IncomingMessage, res: ServerResponse): void {
  res.writeHead(upstream.statusCode ?? 502, upstream.headers);
  upstream.pipe(res);
}

function tableNameOf(body: string): string | undefined {
  try {
    const name = (JSON.parse(body) as { TableName?: unknown }).TableName;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}

interface Context {
  readonly port: number;
  /** The secret every request to dynalite carries. */
  readonly key: string;
  /** The TTL attribute of each table that has TTL on, by table name. */
  readonly ttl: Map<string, string>;
  readonly onRequest: ((request: MeteredRequest) => void) | undefined;
}

/** Bodies are read whole (DynamoDB's are at most 16 MB, dynalite's limit) to know the table a call names. */
async function serve(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const action = String(req.headers["x-amz-target"]).slice(TARGET_PREFIX.length);
  const body = await readBody(req);
  ctx.onRequest?.(meterDynamoDbRequest(action, body, req.headers));
  if (action === "UpdateTimeToLive" || action === "DescribeTimeToLive") {
    await timeToLive(req, res, { action, body }, ctx);
    return;
  }
  const upstream = await forward(req, ctx, { action, body });
  if (action === "DeleteTable" && upstream.statusCode === 200) {
    // A table made again under the same name starts without TTL, as on AWS.
    ctx.ttl.delete(tableNameOf(body) ?? "");
  }
  pipeAnswer(upstream, res);
}

async function timeToLive(
  req: IncomingMessage,
  res: ServerResponse,
  call: { action: "UpdateTimeToLive" | "DescribeTimeToLive"; body: string },
  ctx: Context,
): Promise<void> {
  const table = tableNameOf(call.body);
  if (table === undefined)
    return validation(
      res,
      "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    );
  // Both calls answer ResourceNotFoundException for a missing table, as dynalite's DescribeTable does.
  const described = await forward(req, ctx, {
    action: "DescribeTable",
    body: JSON.stringify({ TableName: table }),
  });
  if (described.statusCode !== 200) return pipeAnswer(described, res);
  described.resume();
  const current = ctx.ttl.get(table);
  if (call.action === "DescribeTimeToLive") {
    return answer(res, 200, {
      TimeToLiveDescription:
        current === undefined
          ? { TimeToLiveStatus: "DISABLED" }
          : { TimeToLiveStatus: "ENABLED", AttributeName: current },
    });
  }
  const spec = (
    JSON.parse(call.body) as { TimeToLiveSpecification?: { Enabled?: unknown; AttributeName?: unknown } }
  ).TimeToLiveSpecification;
  if (
    typeof spec?.Enabled !== "boolean" ||
    typeof spec.AttributeName !== "string" ||
    spec.AttributeName === ""
  ) {
    return validation(
      res,
      "TimeToLiveSpecification needs Enabled (a boolean) and AttributeName (a non-empty string)",
    );
  }
  // As DynamoDB: switching TTL to the state it is in is an error, not a no-op.
  if (spec.Enabled && current !== undefined) return validation(res, "TimeToLive is already enabled");
  if (!spec.Enabled && current === undefined) return validation(res, "TimeToLive is already disabled");
  if (spec.Enabled) ctx.ttl.set(table, spec.AttributeName);
  else ctx.ttl.delete(table);
  answer(res, 200, { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } });
}
