import { SQSClient } from "@aws-sdk/client-sqs";
import { closeServer } from "../http/listening.ts";
import { type InProcessRequest, loadFunctions } from "./app-functions.ts";
import type { AppModel } from "./app-model.ts";
import { createPollers } from "./app-pollers.ts";
import { createAppResources } from "./app-resources.ts";
import type { BucketSeed } from "./bucket-seed.ts";
import type { DevEvent } from "./dev-event.ts";
import type { LocalDurableCallbacks } from "./durable-callbacks.ts";
import type { EventSourcePoller } from "./event-source.ts";
import type { MountedHandler } from "./front-server.ts";
import type { LocalFunction } from "./function-runtime.ts";
import { resolveValue, Unresolved } from "./intrinsics.ts";
import { ledgerEnvironment } from "./ledger-environment.ts";
import type { LocalQueue } from "./local-queues.ts";
import { type LocalServices, type StopPart, startLocalServices, stopInReverse } from "./local-services.ts";
import type { LocalTopic } from "./local-topics.ts";
import { resetPersistedState } from "./persist-store.ts";
import type { MeteredRequest } from "./request-meter.ts";
import type { LocalScheduler } from "./scheduler.ts";
import type { LocalTable } from "./tables.ts";

// The stack's own vocabulary, for the CLI and the testing kit that start it.
export type { DevEvent } from "./dev-event.ts";
export type { LocalQueue } from "./local-queues.ts";
export type { LocalTopic } from "./local-topics.ts";

export interface DevStackOptions {
  /** The CDK app command, or a synthesized cloud assembly directory. @default cdk.json's "app" */
  readonly app?: string;
  /** Directory of cdk.json and the app. @default process.cwd() */
  readonly cwd?: string;
  /** Port of the one endpoint for SQS, S3, SNS, DynamoDB and Lambda. 0 picks a free port. @default 4566 */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Where the app is synthesized to (relative to `cwd`). @default ".sqs-jobs/cdk.out" */
  readonly outDir?: string;
  /**
   * Keep queues and messages (fauxqs's SQLite store) and DynamoDB tables and items (dynalite's
   * LevelDB store, under `dynamodb/`) in this directory across restarts.
   */
  readonly persistDir?: string;
  /**
   * With `persistDir`: empty what the stack keeps there before it starts (`sqs-jobs dev --reset`),
   * the way out of a store that cannot be read. @default false
   */
  readonly reset?: boolean;
  /** @default "us-east-1" */
  readonly region?: string;
  /** Files to put in the app's buckets once they exist (`sqs-jobs dev --seed`). */
  readonly seed?: readonly BucketSeed[];
  /** Sees every AWS call made to the endpoint (service, action, bytes): what bench/cost counts. */
  readonly onRequest?: (request: MeteredRequest) => void;
  /**
   * Where dynalite runs: `"own"` is a child process of its own, so that DynamoDB's CPU is not the
   * consumers' (bench/audit). @default "shared" (this process)
   */
  readonly dynamoDbProcess?: "shared" | "own";
  readonly onEvent?: (event: DevEvent) => void;
  /**
   * The app as a model instead of a CDK app (`app` and `outDir` are then unused): the testing kit
   * declares queues in code this way.
   */
  readonly model?: AppModel;
  /**
   * A function to run in this process instead of from its code asset, given its environment
   * resolved to local resources; `undefined` runs it from its asset as usual.
   */
  readonly inProcess?: (fn: InProcessRequest) => LocalFunction | undefined;
}

export interface DevStack {
  readonly endpoint: string;
  readonly region: string;
  /**
   * Every `host:port` the stack listens on now: the endpoint and the emulators behind it. dynalite
   * listens from the first DynamoDB call (creating the app's tables is one), or from the start
   * with `persistDir`.
   */
  readonly listeners: readonly string[];
  /** Each bucket of the app, with the keys `seed` put in it. */
  readonly buckets: readonly { logicalId: string; name: string; seeded: readonly string[] }[];
  /** The stacks' outputs, resolved to local values (`undefined`: none exists locally). */
  readonly outputs: readonly {
    stackName: string;
    key: string;
    value: string | undefined;
    description?: string;
  }[];
  readonly queues: readonly LocalQueue[];
  /** Each SNS topic of the app, with its payload bucket when `JobTopic({ payloads })` has one. */
  readonly topics: readonly LocalTopic[];
  /** Each DynamoDB table of the app, with its indexes and TTL attribute. */
  readonly tables: readonly LocalTable[];
  /** `SQS_JOBS_LEDGER_TABLE` (and the retention) as the app's functions have them, for local producers. */
  readonly ledgerEnvironment: Readonly<Record<string, string>>;
  readonly functions: readonly {
    logicalId: string;
    name: string;
    eventSources: readonly { uuid: string; queueArn: string; enabled: boolean }[];
  }[];
  /** EventBridge Scheduler on the endpoint: schedules sent by clients, fired on time into the queues. */
  readonly scheduler: LocalScheduler;
  /** Durable callbacks completed against the stack's Lambda API, and a way to watch them. */
  readonly durableCallbacks: LocalDurableCallbacks;
  /**
   * Serves every request whose path starts with `prefix` (which ends with "/") with `handler`,
   * given the path after the prefix, on the stack's endpoint (the dashboard, under `sqs-jobs dev`).
   * The path without its last "/" is redirected to it, so the page's relative URLs resolve.
   */
  mount(prefix: string, handler: MountedHandler): void;
  /** Each event source mapping's invocations running now, with the queue it reads. */
  inFlight(): { readonly functionName: string; readonly queueUrl: string; readonly invocations: number }[];
  /**
   * Moves the local clock forward by `ms`: SQS delays and visibility timeouts end that much
   * earlier (except those of messages a function is running now), and the scheduler fires what
   * became due. Resolves with the scheduler's new time once those deliveries are made.
   */
  advanceClock(ms: number): Promise<Date>;
  stop(): Promise<void>;
}

/**
 * Runs a CDK app locally: fauxqs for SQS/S3/SNS, dynalite for DynamoDB, every queue and table of
 * the templates with its attributes, and every SQS-triggered function driven like Lambda's poller, its real bundled
 * handler loaded in a worker thread with its environment resolved to local resources.
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const cwd = options.cwd ?? process.cwd();
  const region = options.region ?? "us-east-1";
  if (options.reset === true && options.persistDir !== undefined) resetPersistedState(options.persistDir);
  // What started so far, stopped in reverse when a later step fails: a failed start leaves no
  // port bound and no --persist directory marked.
  const started: StopPart[] = [];
  try {
    const services = await startLocalServices({ ...options, region }, started);
    return await runApp({ ...options, cwd, region }, services);
  } catch (error) {
    await stopInReverse(started);
    throw error;
  }
}

/** The app on the running services: its model, resources, seeds, functions and pollers, in that order. */
async function runApp(
  options: DevStackOptions & { cwd: string; region: string },
  services: LocalServices,
): Promise<DevStack> {
  const { cwd, region } = options;
  const endpoint = services.front.endpoint;
  const emit = options.onEvent ?? (() => {});
  const model = options.model ?? (await (await import("./synthesized-model.ts")).synthesizedModel(options));
  const client = { endpoint, region, credentials: { accessKeyId: "test", secretAccessKey: "test" } };
  const sqs = new SQSClient({ ...client, useQueueUrlAsEndpoint: false });
  const resources = await createAppResources(model, { ...services, sqs, client });
  const seeded = await seedBuckets(model, options, endpoint);
  const functions = await loadFunctions(model, {
    resolve: resources.resolve,
    endpoint,
    cwd,
    codeRoots: services.codeRoots,
    inProcess: options.inProcess,
    emit,
  });
  const pollers = createPollers(model, { queues: resources.queues, functions, sqs, region, emit });
  services.serve({ functions: functions.byName, pollers });
  for (const poller of pollers) poller.start();
  return runningStack(
    services,
    { pollers, functions: [...functions.byName.values()], sqs },
    {
      endpoint,
      region,
      buckets: model.buckets.map((b) => ({
        ...b,
        seeded: seeded.filter((s) => s.bucket === b.name).flatMap((s) => s.keys),
      })),
      outputs: model.outputs.map((output) => {
        const value = resolveValue(output.value, resources.resolve);
        return { ...output, value: value instanceof Unresolved ? undefined : value };
      }),
      queues: resources.queues,
      topics: resources.topics,
      tables: resources.tables,
      ledgerEnvironment: ledgerEnvironment(functions.environments),
      functions: model.functions
        .filter((fn) => functions.byName.has(fn.name))
        .map((fn) => ({
          logicalId: fn.logicalId,
          name: fn.name,
          eventSources: pollers
            .filter((p) => p.state.functionName === fn.name)
            .map((p) => ({ uuid: p.state.uuid, queueArn: p.state.queueArn, enabled: p.state.enabled })),
        })),
    },
  );
}

/** Loaded only to seed: most apps (and every app of queues declared in code) seed nothing. */
async function seedBuckets(model: AppModel, options: DevStackOptions & { cwd: string }, endpoint: string) {
  const seeds = options.seed ?? [];
  if (seeds.length === 0) return [];
  return (await import("./bucket-seed.ts")).seedBuckets(endpoint, model.buckets, seeds, options.cwd);
}

type RunningParts =
  | "listeners"
  | "scheduler"
  | "durableCallbacks"
  | "mount"
  | "inFlight"
  | "advanceClock"
  | "stop";

/** The stack as it runs: what the app made, with its listeners, mounts, clock and stop. */
function runningStack(
  services: LocalServices,
  app: {
    readonly pollers: readonly EventSourcePoller[];
    readonly functions: readonly { readonly runtime: LocalFunction }[];
    readonly sqs: SQSClient;
  },
  made: Omit<DevStack, RunningParts>,
): DevStack {
  const { emulator, dynamodb, front, scheduler, codeRoots, mounts } = services;
  const { pollers } = app;
  let stopping: Promise<void> | undefined;
  return {
    ...made,
    // A getter: dynalite starts listening at the first DynamoDB call, after the stack started.
    get listeners() {
      const dynamoDbListener = dynamodb.listener();
      return [
        new URL(front.endpoint).host,
        `${emulator.host}:${emulator.port}`,
        ...(dynamoDbListener === undefined ? [] : [dynamoDbListener]),
      ];
    },
    scheduler,
    durableCallbacks: services.durableCallbacks,
    mount(prefix, handler) {
      mounts.set(prefix, handler);
    },
    inFlight: () =>
      pollers.map((p) => ({
        functionName: p.state.functionName,
        queueUrl: p.state.queueUrl,
        invocations: p.inFlight,
      })),
    advanceClock: (ms) => services.advanceClock(ms),
    stop() {
      stopping ??= (async () => {
        scheduler.stop();
        await Promise.all(pollers.map((p) => p.stop()));
        await Promise.all(app.functions.map((f) => f.runtime.stop()));
        await codeRoots.remove();
        await closeServer(front.server);
        app.sqs.destroy();
        await dynamodb.stop();
        await emulator.stop();
      })();
      return stopping;
    },
  };
}
