import { createHash } from "node:crypto";
import type { Server } from "node:http";
import { join } from "node:path";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { closeServer } from "../http/listening.ts";
import { type AppModel, buildAppModel, LOCAL_ACCOUNT, type QueueModel } from "./app-model.ts";
import type { BucketSeed } from "./bucket-seed.ts";
import { CodeRoots } from "./code-root.ts";
import { type DynamoDbOnDemand, localDynamoDb } from "./dynamodb-on-demand.ts";
import { type LocalEmulator, startLocalEmulator } from "./emulator.ts";
import { EventSourcePoller } from "./event-source.ts";
import { type MountedHandler, startFrontServer } from "./front-server.ts";
import { FunctionRuntime, type LocalFunction } from "./function-runtime.ts";
import { type ResolvedResource, resolveValue, Unresolved } from "./intrinsics.ts";
import type { LambdaApiTarget } from "./lambda-api.ts";
import { ledgerEnvironment } from "./ledger-environment.ts";
import { PERSISTED, resetPersistedState } from "./persist-store.ts";
import { deliverToLocalQueues, type LocalScheduleInput, LocalScheduler } from "./scheduler.ts";
import type { LocalTable } from "./tables.ts";

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

/** A function of the model, with what an in-process handler needs to reach the local endpoint. */
export interface InProcessRequest {
  readonly logicalId: string;
  readonly name: string;
  readonly timeoutSeconds: number;
  /** Its environment, resolved to local resources. */
  readonly environment: Readonly<Record<string, string>>;
  readonly endpoint: string;
  readonly region: string;
}

export type DevEvent =
  | {
      readonly type: "batch";
      readonly functionName: string;
      /** The queue the batch was read from. */
      readonly queueArn: string;
      readonly records: number;
      readonly failed: number;
      readonly durationMs: number;
    }
  | { readonly type: "log"; readonly functionName: string; readonly line: string }
  | { readonly type: "error"; readonly functionName?: string; readonly message: string };

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

export interface LocalQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl?: string;
  /** The jobs it carries, when `JobQueue` made it. */
  readonly jobs: readonly string[];
}

/** Event source mapping ids stay the same across restarts, so scripts can keep using them. */
function stableUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
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
  const started: (() => Promise<void> | void)[] = [];
  try {
    // The port is taken before the app is synthesized, so a busy one is reported at once.
    const emulator = await startLocalEmulator({ region, dataDir: options.persistDir });
    started.push(() => emulator.stop());
    const dynamodb = await localDynamoDb(
      options.persistDir === undefined ? {} : { dataDir: options.persistDir },
    );
    started.push(() => dynamodb.stop());
    let target: LambdaApiTarget = { functions: new Map(), pollers: [] };
    const mounts = new Map<string, MountedHandler>();
    let scheduler: LocalScheduler | undefined;
    const front = await startFrontServer({
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 4566,
      backendPort: emulator.port,
      dynamodb,
      lambda: () => target,
      scheduler: () => scheduler,
      mounts,
    });
    started.push(() => closeServer(front.server));
    scheduler = new LocalScheduler({
      deliver: deliverToLocalQueues(front.endpoint, region),
      region,
      ...(options.persistDir === undefined
        ? {}
        : { storeFile: join(options.persistDir, PERSISTED.schedules) }),
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
    return await runApp(
      { ...options, cwd, region },
      { emulator, dynamodb, front, codeRoots, scheduler, mounts },
      (t) => {
        target = t;
      },
    );
  } catch (error) {
    for (const stop of started.reverse()) {
      // The start's failure is what to report; one part failing to stop must not hide it or
      // keep the others running.
      await Promise.resolve()
        .then(stop)
        .catch(() => undefined);
    }
    throw error;
  }
}

async function runApp(
  options: DevStackOptions & { cwd: string; region: string },
  started: {
    readonly emulator: LocalEmulator;
    readonly dynamodb: DynamoDbOnDemand;
    readonly front: { server: Server; endpoint: string };
    readonly codeRoots: CodeRoots;
    readonly scheduler: LocalScheduler;
    readonly mounts: Map<string, MountedHandler>;
  },
  serve: (target: LambdaApiTarget) => void,
): Promise<DevStack> {
  const { cwd, region } = options;
  const { emulator, dynamodb, front, codeRoots, scheduler, mounts } = started;
  const emit = options.onEvent ?? (() => {});
  const model = options.model ?? (await synthesizedModel(options));

  const client = {
    endpoint: front.endpoint,
    region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  const sqs = new SQSClient({ ...client, useQueueUrlAsEndpoint: false });

  const resources = new Map<string, ResolvedResource>();
  const queues = await createQueues(sqs, model.queues);
  for (const q of queues) {
    resources.set(q.logicalId, {
      ref: q.url,
      attributes: { Arn: q.arn, QueueName: q.name, QueueUrl: q.url },
    });
  }
  registerSchedules(scheduler, model.schedules, queues);
  const tables = await createModelTables(model, client);
  for (const table of tables) {
    resources.set(table.logicalId, { ref: table.name, attributes: { Arn: table.arn } });
  }
  for (const bucket of model.buckets) {
    emulator.createBucket(bucket.name);
    resources.set(bucket.logicalId, {
      ref: bucket.name,
      attributes: {
        Arn: `arn:aws:s3:::${bucket.name}`,
        DomainName: `${bucket.name}.s3.amazonaws.com`,
        RegionalDomainName: `${bucket.name}.s3.${region}.amazonaws.com`,
      },
    });
  }
  for (const fn of model.functions) {
    const arn = `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${fn.name}`;
    resources.set(fn.logicalId, { ref: fn.name, attributes: { Arn: arn } });
  }

  // Loaded only to seed: most apps (and every app of queues declared in code) seed nothing.
  const seeds = options.seed ?? [];
  const seeded =
    seeds.length === 0
      ? []
      : await (await import("./bucket-seed.ts")).seedBuckets(front.endpoint, model.buckets, seeds, cwd);

  const ctx = { resources, region, account: LOCAL_ACCOUNT };
  const outputs = model.outputs.map((output) => {
    const value = resolveValue(output.value, ctx);
    return { ...output, value: value instanceof Unresolved ? undefined : value };
  });
  const functions = new Map<string, { runtime: LocalFunction; arn: string }>();
  const byLogicalId = new Map<string, LocalFunction>();
  const environments: Record<string, string>[] = [];
  for (const fn of model.functions) {
    const skip = () =>
      emit({
        type: "error",
        functionName: fn.name,
        message: "no bundled code asset: skipped (inline code is not run locally)",
      });
    if (fn.codeDir === undefined && options.inProcess === undefined) {
      skip();
      continue;
    }
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(fn.environment)) {
      const resolved = resolveValue(value, ctx);
      if (resolved instanceof Unresolved) {
        emit({
          type: "error",
          functionName: fn.name,
          message: `environment variable ${key} (${resolved.what}) has no local value; left empty`,
        });
        env[key] = "";
      } else {
        env[key] = resolved;
      }
    }
    let runtime = options.inProcess?.({ ...fn, environment: env, endpoint: front.endpoint, region });
    if (runtime === undefined) {
      if (fn.codeDir === undefined) {
        skip();
        continue;
      }
      runtime = new FunctionRuntime({
        name: fn.name,
        codeDir: await codeRoots.stage(fn.codeDir, fn.logicalId),
        projectDir: cwd,
        handler: fn.handler,
        timeoutSeconds: fn.timeoutSeconds,
        region,
        env: localEnvironment(env, front.endpoint, region, fn.name, fn.timeoutSeconds),
        onLog: (line) => emit({ type: "log", functionName: fn.name, line }),
      });
    }
    environments.push(env);
    functions.set(fn.name, { runtime, arn: resources.get(fn.logicalId)?.attributes.Arn ?? "" });
    byLogicalId.set(fn.logicalId, runtime);
  }

  const pollers: EventSourcePoller[] = [];
  for (const es of model.eventSources) {
    const runtime = byLogicalId.get(es.functionLogicalId);
    const queue = queues.find((q) => q.logicalId === es.queueLogicalId);
    if (runtime === undefined || queue === undefined) continue;
    const fnName = runtime.options.name;
    pollers.push(
      new EventSourcePoller({
        state: {
          uuid: stableUuid(`${es.logicalId}:${fnName}:${queue.arn}`),
          functionName: fnName,
          functionArn: functions.get(fnName)?.arn ?? "",
          queueArn: queue.arn,
          queueUrl: queue.url,
          batchSize: es.batchSize,
          batchingWindowSeconds: es.batchingWindowSeconds,
          maximumConcurrency: es.maximumConcurrency,
          reportBatchItemFailures: es.reportBatchItemFailures,
          enabled: es.enabled,
          lastModified: new Date(),
        },
        sqs,
        fn: runtime,
        region,
        onBatch: (outcome) => {
          if (outcome.records > 0) {
            emit({
              type: "batch",
              functionName: fnName,
              queueArn: queue.arn,
              records: outcome.records,
              failed: outcome.failed,
              durationMs: outcome.durationMs,
            });
          }
          if (outcome.error !== undefined)
            emit({ type: "error", functionName: fnName, message: outcome.error });
        },
      }),
    );
  }
  serve({ functions, pollers });
  for (const poller of pollers) poller.start();

  let stopping: Promise<void> | undefined;
  return {
    endpoint: front.endpoint,
    region,
    get listeners() {
      const dynamoDbListener = dynamodb.listener();
      return [
        new URL(front.endpoint).host,
        `${emulator.host}:${emulator.port}`,
        ...(dynamoDbListener === undefined ? [] : [dynamoDbListener]),
      ];
    },
    buckets: model.buckets.map((b) => ({
      ...b,
      seeded: seeded.filter((s) => s.bucket === b.name).flatMap((s) => s.keys),
    })),
    outputs,
    queues,
    tables,
    ledgerEnvironment: ledgerEnvironment(environments),
    scheduler,
    functions: model.functions
      .filter((fn) => functions.has(fn.name))
      .map((fn) => ({
        logicalId: fn.logicalId,
        name: fn.name,
        eventSources: pollers
          .filter((p) => p.state.functionName === fn.name)
          .map((p) => ({ uuid: p.state.uuid, queueArn: p.state.queueArn, enabled: p.state.enabled })),
      })),
    mount(prefix, handler) {
      mounts.set(prefix, handler);
    },
    inFlight: () =>
      pollers.map((p) => ({
        functionName: p.state.functionName,
        queueUrl: p.state.queueUrl,
        invocations: p.inFlight,
      })),
    advanceClock(ms) {
      // The scheduler checks the step first: one it refuses moves neither clock.
      return scheduler.advance(ms, {
        alsoMove: (step) =>
          emulator.moveClock(step, new Set(pollers.flatMap((p) => [...p.heldReceiptHandles()]))),
      });
    },
    stop() {
      stopping ??= (async () => {
        scheduler.stop();
        await Promise.all(pollers.map((p) => p.stop()));
        await Promise.all([...functions.values()].map((f) => f.runtime.stop()));
        await codeRoots.remove();
        await closeServer(front.server);
        sqs.destroy();
        await dynamodb.stop();
        await emulator.stop();
      })();
      return stopping;
    },
  };
}

/**
 * The app's tables, made through the endpoint. The DynamoDB client is loaded only for an app that
 * has tables: queues declared in code without a ledger never need it.
 */
async function createModelTables(
  model: AppModel,
  client: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } },
): Promise<LocalTable[]> {
  if (model.tables.length === 0) return [];
  const [{ DynamoDBClient }, { createTables }] = await Promise.all([
    import("@aws-sdk/client-dynamodb"),
    import("./tables.ts"),
  ]);
  const dynamodb = new DynamoDBClient(client);
  try {
    return await createTables(dynamodb, model.tables, client.region);
  } finally {
    dynamodb.destroy();
  }
}

/** Loads the synth and the template reader only for a CDK app: a model given in code needs neither. */
async function synthesizedModel(options: DevStackOptions & { cwd: string }): Promise<AppModel> {
  const [{ synthesize }, { readCloudAssembly }] = await Promise.all([
    import("./synth.ts"),
    import("./cloud-assembly.ts"),
  ]);
  const assemblyDir = await synthesize({
    app: options.app,
    cwd: options.cwd,
    outDir: options.outDir ?? ".sqs-jobs/cdk.out",
  });
  return buildAppModel(await readCloudAssembly(assemblyDir), assemblyDir);
}

/** What a Lambda environment would have, pointed at the local endpoint. */
function localEnvironment(
  env: Record<string, string>,
  endpoint: string,
  region: string,
  functionName: string,
  timeoutSeconds: number,
): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "TZ", "LANG", "TMPDIR"]) {
    const value = process.env[key];
    if (value !== undefined) keep[key] = value;
  }
  return {
    ...keep,
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(timeoutSeconds),
    SQS_JOBS_LOCAL: "1",
  };
}

/** Creates dead-letter queues first so each source queue's redrive policy can name its DLQ's ARN. */
async function createQueues(sqs: SQSClient, models: readonly QueueModel[]) {
  const created: LocalQueue[] = [];
  const ordered = [...models].sort(
    (a, b) => Number(a.dlqLogicalId !== undefined) - Number(b.dlqLogicalId !== undefined),
  );
  for (const q of ordered) {
    const attributes = { ...q.attributes };
    const dlq =
      q.dlqLogicalId === undefined ? undefined : created.find((c) => c.logicalId === q.dlqLogicalId);
    if (attributes.RedrivePolicy !== undefined && dlq !== undefined) {
      const policy = JSON.parse(attributes.RedrivePolicy) as { maxReceiveCount: number };
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: policy.maxReceiveCount,
      });
    } else {
      delete attributes.RedrivePolicy;
    }
    const url = await createOrUpdateQueue(sqs, q.name, attributes);
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
    );
    created.push({
      logicalId: q.logicalId,
      name: q.name,
      url,
      arn: out.Attributes?.QueueArn ?? "",
      dlqUrl: dlq?.url,
      jobs: q.jobs,
    });
  }
  return created;
}

/** With persistence a queue may already exist with older attributes: bring them up to date. */
async function createOrUpdateQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return out.QueueUrl ?? "";
  } catch (error) {
    const code = (error as { name?: string }).name ?? "";
    if (!/QueueAlreadyExists|QueueNameExists/.test(code)) throw error;
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const url = out.QueueUrl ?? "";
    const { FifoQueue: _fifo, ...mutable } = attributes;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: mutable }));
    return url;
  }
}

/** The app's periodic schedules, fired on time by the local scheduler into the local queues. */
function registerSchedules(
  scheduler: LocalScheduler,
  schedules: AppModel["schedules"],
  queues: readonly { logicalId: string; arn: string }[],
): void {
  for (const s of schedules) {
    const queue = queues.find((q) => q.logicalId === s.queueLogicalId);
    if (queue === undefined) continue;
    const wanted = {
      name: s.name,
      groupName: s.groupName,
      expression: s.expression,
      timezone: s.timezone,
      state: s.enabled ? "ENABLED" : "DISABLED",
      target: {
        arn: queue.arn,
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/sqs-jobs-dev-scheduler`,
        input: s.input,
        ...(s.messageGroupId === undefined ? {} : { messageGroupId: s.messageGroupId }),
      },
    } as const;
    const existing = scheduler.get(s.name, s.groupName);
    // Restarted with --persist on an unchanged template: the stored schedule stays as it is, so
    // a one-time schedule that fired is not fired again (as a redeploy does not on AWS), and a
    // rate keeps counting from its creation.
    if (existing !== undefined && sameSchedule(existing, wanted)) continue;
    // Changed since, or created twice: the template's version wins.
    if (existing !== undefined) scheduler.delete(s.name, s.groupName);
    scheduler.create(wanted);
  }
}

function sameSchedule(a: LocalScheduleInput, b: LocalScheduleInput): boolean {
  return (
    a.expression === b.expression &&
    a.timezone === b.timezone &&
    a.state === b.state &&
    a.target.arn === b.target.arn &&
    a.target.roleArn === b.target.roleArn &&
    a.target.input === b.target.input &&
    a.target.messageGroupId === b.target.messageGroupId
  );
}
