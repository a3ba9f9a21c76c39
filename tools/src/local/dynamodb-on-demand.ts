import type { IncomingMessage, ServerResponse } from "node:http";
import { type LocalDynamoDb, type LocalDynamoDbOptions, startLocalDynamoDb } from "./dynamodb.ts";

/** The dev stack's DynamoDB: dynalite, started now or by the first DynamoDB call. */
export interface DynamoDbOnDemand {
  /** dynalite's `host:port` once it listens, else `undefined`. */
  listener(): string | undefined;
  /** Serves one DynamoDB request, starting dynalite first if it has not started. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  stop(): Promise<void>;
}

/**
 * dynalite costs a test app about a tenth of a second (loading it, then its server), and an app
 * without tables (queues declared in code without a ledger) may never call DynamoDB: it starts on
 * the first call instead, which the endpoint still serves. With `dataDir` it starts at once, so
 * that a second stack on the same directory is refused at start, not at its first call.
 */
export async function localDynamoDb(options: LocalDynamoDbOptions = {}): Promise<DynamoDbOnDemand> {
  let started: LocalDynamoDb | undefined;
  let starting: Promise<LocalDynamoDb> | undefined;
  let stopped = false;
  const start = (): Promise<LocalDynamoDb> => {
    starting ??= startLocalDynamoDb(options).then((db) => {
      started = db;
      return db;
    });
    return starting;
  };
  if (options.dataDir !== undefined) await start();
  return {
    listener: () => (started === undefined ? undefined : `${started.host}:${started.port}`),
    handle(req, res) {
      // A call that raced stop() must not start a server that nothing would stop.
      if (stopped) return unavailable(req, res, "the local stack is stopping");
      start().then(
        (db) => db.handle(req, res),
        (error: unknown) => unavailable(req, res, `local DynamoDB could not start: ${String(error)}`),
      );
    },
    async stop() {
      stopped = true;
      // A start in progress is waited for, so what it starts is stopped too.
      await starting?.catch(() => undefined);
      await started?.stop();
    },
  };
}

function unavailable(req: IncomingMessage, res: ServerResponse, message: string): void {
  req.resume();
  const text = JSON.stringify({ message });
  res
    .writeHead(503, {
      "content-type": "application/x-amz-json-1.0",
      "content-length": String(Buffer.byteLength(text)),
    })
    .end(text);
}
