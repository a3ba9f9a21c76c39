import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { buildApp } from "fauxqs";
import { type FairQueueStore, type HookableApp, installFairQueues } from "./fair-queues.ts";
import { PERSISTED, PersistedStoreError } from "./persist-store.ts";

/**
 * The parts of fauxqs's own modules that `startFauxqs` wires together. fauxqs exports only its
 * entry point, so they are loaded by file next to it; the version is pinned in package.json, and
 * test/local/emulator.test.ts fails if a release moves them.
 */
interface FauxqsStores {
  readonly sqsStore: { persistence?: unknown; allQueues(): Iterable<FauxqsQueue> };
  readonly snsStore: { persistence?: unknown };
  readonly s3Store: { persistence?: unknown; createBucket(name: string): void };
}

/** A message's clock fields as fauxqs's SqsQueue keeps them: epoch milliseconds. */
interface FauxqsQueue {
  persistence?: unknown;
  readonly delayedMessages: { delayUntil?: number }[];
  readonly fifoDelayed: Map<string, { delayUntil?: number }[]>;
  readonly inflightMessages: Map<string, { receiptHandle: string; visibilityDeadline: number }>;
  processTimers(): void;
}

async function fauxqsModule<T>(path: string): Promise<T> {
  return (await import(new URL(path, import.meta.resolve("fauxqs")).href)) as T;
}

async function createStores(dataDir: string | undefined): Promise<FauxqsStores> {
  const [{ SqsStore }, { SnsStore }, { S3Store }] = await Promise.all([
    fauxqsModule<{ SqsStore: new () => FauxqsStores["sqsStore"] }>("./sqs/sqsStore.js"),
    fauxqsModule<{ SnsStore: new () => FauxqsStores["snsStore"] }>("./sns/snsStore.js"),
    fauxqsModule<{ S3Store: new () => FauxqsStores["s3Store"] }>("./s3/s3Store.js"),
  ]);
  const stores = { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
  if (dataDir === undefined) return stores;
  const { PersistenceManager } = await fauxqsModule<{
    PersistenceManager: new (dir: string) => { load(...stores: unknown[]): void; close(): void };
  }>("./persistence.js");
  let persistence: { load(...stores: unknown[]): void; close(): void } | undefined;
  try {
    persistence = new PersistenceManager(dataDir);
    // As startFauxqs does: load first, then attach, so loading does not write everything back.
    persistence.load(stores.sqsStore, stores.snsStore, stores.s3Store);
  } catch (cause) {
    try {
      persistence?.close();
    } catch {
      // The store could not be read: the reason to report is that, not a failed close.
    }
    throw new PersistedStoreError(join(dataDir, PERSISTED.fauxqs), "the SQS, SNS and S3 store (fauxqs)", {
      cause,
    });
  }
  stores.sqsStore.persistence = persistence;
  stores.snsStore.persistence = persistence;
  stores.s3Store.persistence = persistence;
  for (const queue of stores.sqsStore.allQueues()) queue.persistence = persistence;
  return stores;
}

export interface LocalEmulator {
  /** Where it listens: always a loopback address. */
  readonly host: string;
  readonly port: number;
  createBucket(name: string): void;
  /**
   * Moves the queues' clock forward by `ms`: every delayed message's delay and every in-flight
   * message's visibility timeout ends `ms` earlier, except for the receipt handles in `keep`
   * (messages a function is running: its clock does not move). Messages whose time came are
   * visible at once. fauxqs times both with `Date.now()`, so the fields are moved, not the clock.
   */
  moveClock(ms: number, keep?: ReadonlySet<string>): void;
  stop(): Promise<void>;
}

/**
 * fauxqs (SQS, SNS, S3) listening on 127.0.0.1 only. `startFauxqs` always listens on 0.0.0.0,
 * which would let anyone on the network read dead-letter bodies and inject jobs; this builds the
 * same server from fauxqs's parts and listens on loopback.
 */
export async function startLocalEmulator(
  options: { port?: number; region?: string; dataDir?: string } = {},
): Promise<LocalEmulator> {
  const stores = await createStores(options.dataDir);
  const app = buildApp({
    logger: false,
    ...(options.region === undefined ? {} : { defaultRegion: options.region }),
    stores: stores as never,
  });
  // fauxqs's own objects, typed by what fair-queues.ts reads of them.
  installFairQueues(app as unknown as HookableApp, stores.sqsStore as unknown as FairQueueStore);
  const persistence = stores.sqsStore.persistence as { close(): void } | undefined;
  if (persistence !== undefined) app.addHook("preClose", () => persistence.close());
  const host = "127.0.0.1";
  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  return {
    host,
    port,
    createBucket: (name) => stores.s3Store.createBucket(name),
    moveClock(ms, keep = new Set()) {
      for (const queue of stores.sqsStore.allQueues()) {
        for (const message of [...queue.delayedMessages, ...[...queue.fifoDelayed.values()].flat()]) {
          if (message.delayUntil !== undefined) message.delayUntil -= ms;
        }
        for (const entry of queue.inflightMessages.values()) {
          if (!keep.has(entry.receiptHandle)) entry.visibilityDeadline -= ms;
        }
        queue.processTimers();
      }
    },
    stop: () => app.close(),
  };
}
