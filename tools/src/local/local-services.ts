import type { Server } from "node:http";
import { join } from "node:path";
import { closeServer } from "../http/listening.ts";
import { CodeRoots } from "./code-root.ts";
import { LocalDurableCallbacks } from "./durable-callbacks.ts";
import { type DynamoDbOnDemand, localDynamoDb } from "./dynamodb-on-demand.ts";
import { type LocalEmulator, startLocalEmulator } from "./emulator.ts";
import { type MountedHandler, startFrontServer } from "./front-server.ts";
import type { LambdaApiTarget } from "./lambda-api.ts";
import { PERSISTED } from "./persist-store.ts";
import type { MeteredRequest } from "./request-meter.ts";
import { deliverToLocalQueues, LocalScheduler } from "./scheduler.ts";

/** How to stop one started part. */
export type StopPart = () => Promise<void> | void;

/** What runs before any app is known: the emulators, the one endpoint in front of them, the scheduler. */
export interface LocalServices {
  readonly emulator: LocalEmulator;
  readonly dynamodb: DynamoDbOnDemand;
  readonly front: { readonly server: Server; readonly endpoint: string };
  readonly scheduler: LocalScheduler;
  /** Where the functions' code assets are staged. */
  readonly codeRoots: CodeRoots;
  /** Handlers by path prefix on the endpoint (the dashboard). */
  readonly mounts: Map<string, MountedHandler>;
  /** Durable callbacks completed against the Lambda API (docs/durable.md). */
  readonly durableCallbacks: LocalDurableCallbacks;
  /** Hands the Lambda API the app's functions and event source mappings once they are loaded. */
  serve(target: LambdaApiTarget): void;
  /**
   * Moves the stack's one clock `ms` on: the scheduler's (schedules, `{ at }` sends) and the
   * emulator's (SQS delays and visibility deadlines, except those of messages a poller holds for
   * a running function). The testing kit's `advanceTime` and `POST /_sqs-jobs/clock/advance` both
   * come here. The scheduler checks the step first: one it refuses moves neither clock.
   */
  advanceClock(ms: unknown): Promise<Date>;
}

/**
 * Starts fauxqs, dynalite (on demand), the endpoint in front of them, the local scheduler and the
 * code staging area, each pushed onto `started` as it starts so that a failure later can stop
 * what ran. The port is taken before any app is synthesized, so a busy one is reported at once.
 */
export async function startLocalServices(
  options: {
    readonly host?: string | undefined;
    readonly port?: number | undefined;
    readonly region: string;
    readonly persistDir?: string | undefined;
    readonly onRequest?: ((request: MeteredRequest) => void) | undefined;
    readonly dynamoDbProcess?: "shared" | "own" | undefined;
  },
  started: StopPart[],
): Promise<LocalServices> {
  const { region, persistDir } = options;
  const emulator = await startLocalEmulator({ region, dataDir: persistDir });
  started.push(() => emulator.stop());
  const dynamodb = await localDynamoDb({
    ...(persistDir === undefined ? {} : { dataDir: persistDir }),
    onRequest: options.onRequest,
    process: options.dynamoDbProcess,
  });
  started.push(() => dynamodb.stop());
  let target: LambdaApiTarget = { functions: new Map(), pollers: [] };
  const mounts = new Map<string, MountedHandler>();
  let scheduler: LocalScheduler | undefined;
  const durableCallbacks = new LocalDurableCallbacks();
  const advanceClock = (ms: unknown): Promise<Date> => {
    if (scheduler === undefined) return Promise.reject(new Error("the local scheduler has not started"));
    return scheduler.advance(ms, {
      alsoMove: (step) =>
        emulator.moveClock(step, new Set(target.pollers.flatMap((p) => [...p.heldReceiptHandles()]))),
    });
  };
  const front = await startFrontServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 4566,
    backendPort: emulator.port,
    dynamodb,
    lambda: () => target,
    callbacks: durableCallbacks,
    scheduler: () => scheduler,
    advanceClock,
    mounts,
    onRequest: options.onRequest,
  });
  started.push(() => closeServer(front.server));
  scheduler = new LocalScheduler({
    deliver: deliverToLocalQueues(front.endpoint, region),
    region,
    ...(persistDir === undefined ? {} : { storeFile: join(persistDir, PERSISTED.schedules) }),
    // On AWS a delivery that keeps failing ends in the schedule's DLQ or is dropped; say so
    // here, and a store that could not be written.
    onError: (error, schedule) =>
      process.stderr.write(
        `schedule ${schedule.groupName}/${schedule.name} (target ${schedule.target.arn}) failed: ${error instanceof Error ? error.message : String(error)}
`,
      ),
  });
  scheduler.start();
  const running = scheduler;
  started.push(() => running.stop());
  const codeRoots = await CodeRoots.create();
  started.push(() => codeRoots.remove());
  return {
    emulator,
    dynamodb,
    front,
    scheduler: running,
    codeRoots,
    mounts,
    durableCallbacks,
    serve(next) {
      target = next;
    },
    advanceClock,
  };
}

/**
 * Stops what started, last first. The start's failure is what to report: one part failing to
 * stop must not hide it or keep the others running.
 */
export async function stopInReverse(started: readonly StopPart[]): Promise<void> {
  for (const stop of [...started].reverse()) {
    await Promise.resolve()
      .then(stop)
      .catch(() => undefined);
  }
}
