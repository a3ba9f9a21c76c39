import { resolve } from "node:path";
import { createSqsHandler } from "sqs-jobs/internal/consumer/lambda-handler";
import { ENV, queueUrlEnvVar } from "sqs-jobs/internal/core/env";
import { createLambdaClient } from "sqs-jobs/internal/core/lambda-client";
import { createSqsClient } from "sqs-jobs/internal/core/sqs-client";
import { LEDGER_TABLE_ENV } from "sqs-jobs/internal/ledger/table-layout";
import { JobClient } from "sqs-jobs/internal/producer/job-client";
import type { BucketSeed } from "../local/bucket-seed.ts";
import { type DevEvent, type DevStack, startDevStack } from "../local/dev-stack.ts";
import { InProcessFunction, type LambdaHandler } from "../local/in-process-function.ts";
import { consumerId, queueRoutes, queuesModel, type TestQueueOptions } from "./queue-model.ts";
import { type TestApp, testApp } from "./test-app.ts";

/** The emulators check no keys; the SDK wants some. */
const LOCAL_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

/** Runs the project's CDK app: its queues, tables, buckets, schedules and bundled consumers. */
export interface CdkTestAppOptions {
  /** The CDK app command. @default cdk.json's "app" */
  readonly app?: string;
  /** The directory of cdk.json and the app. @default process.cwd() */
  readonly cwd?: string;
  /**
   * Where synthesized cloud assemblies are cached, relative to `cwd`: one directory per key (a
   * hash of the app's source files and dependencies; see docs/testing.md). @default ".sqs-jobs/testing"
   */
  readonly cacheDir?: string;
  /** Files to put in the app's buckets once they exist, as `sqs-jobs dev --seed` does. */
  readonly seed?: readonly BucketSeed[];
  /**
   * What the functions print and each batch they run, as `sqs-jobs dev` shows them: to see why a
   * handler failed, pass `(e) => console.log(e)`. @default nothing is shown
   */
  readonly onEvent?: (event: DevEvent) => void;
}

/** Queues declared in code, each consumed in this process by a handler made of `handle(...)` bindings. */
export interface QueuesTestAppOptions<Queue extends string> {
  readonly queues: readonly TestQueueOptions<Queue>[];
  /** One job ledger table every queue records in, as `JobLedger` would make it. @default false */
  readonly ledger?: boolean;
  /**
   * Where the local DynamoDB (dynalite) runs: `"own"`, a child process of its own, so that its
   * CPU is not the handlers' (a benchmark's choice: bench/audit); `"shared"`, this process.
   * @default "shared"
   */
  readonly dynamoDbProcess?: "shared" | "own";
}

export type TestAppOptions<Queue extends string = string> =
  | ({ readonly cdk: CdkTestAppOptions } & { readonly queues?: never })
  | (QueuesTestAppOptions<Queue> & { readonly cdk?: never });

/**
 * Starts an app for a test, in this process, on a free loopback port with stores of its own:
 * from the CDK app (`{ cdk: {} }`: synthesized once per change and cached, its consumers run
 * from their bundles in worker threads, as `sqs-jobs dev` runs them) or from queues declared in
 * code (`{ queues }`: no CDK, the handlers run in this process). Stop it with `stop()` (or
 * `await using`).
 *
 * @example
 * const app = await startTestApp({ queues: [{ name: "email", handlers: [handle(welcomeEmail, send)] }] });
 * const sent = await app.send(welcomeEmail, { to: "ana@example.com" });
 * await app.drain();
 * await app.stop();
 */
export async function startTestApp<const Queue extends string = string>(
  options: TestAppOptions<Queue>,
): Promise<TestApp<Queue>> {
  const stack =
    options.cdk !== undefined ? await startCdkStack(options.cdk) : await startQueuesStack(options);
  const target = { endpoint: stack.endpoint, region: stack.region, credentials: LOCAL_CREDENTIALS };
  const tableName = stack.ledgerEnvironment[LEDGER_TABLE_ENV];
  try {
    const ledger =
      tableName === undefined
        ? false
        : { tableName, dynamodb: new (await dynamoDbSdk()).DynamoDBClient(target) };
    return testApp<Queue>(stack, { sqs: createSqsClient(target), ledger });
  } catch (error) {
    // Nothing returned the app to the caller: stop what started, or its servers hold the process.
    await stack.stop();
    throw error;
  }
}

/** The DynamoDB SDK, loaded only for an app with a ledger, as the main entry loads it: on first use. */
const dynamoDbSdk = () => import("@aws-sdk/client-dynamodb");

async function startCdkStack(options: CdkTestAppOptions): Promise<DevStack> {
  // Loaded here: a test file of queues declared in code never synthesizes.
  const { cachedAssembly } = await import("./assembly-cache.ts");
  const cwd = resolve(options.cwd ?? process.cwd());
  const assembly = await cachedAssembly({
    cwd,
    app: options.app,
    cacheDir: options.cacheDir ?? ".sqs-jobs/testing",
  });
  return startDevStack({
    app: assembly.dir,
    cwd,
    port: 0,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
}

async function startQueuesStack<Queue extends string>(
  options: QueuesTestAppOptions<Queue>,
): Promise<DevStack> {
  const queues = options.queues;
  const model = queuesModel(queues, options.ledger ?? false);
  // The model gives every consumer the ledger's table, or none of them.
  const DynamoDB = options.ledger === true ? (await dynamoDbSdk()).DynamoDBClient : undefined;
  return startDevStack({
    model,
    port: 0,
    ...(options.dynamoDbProcess === undefined ? {} : { dynamoDbProcess: options.dynamoDbProcess }),
    inProcess: (fn) => {
      const queue = queues.find((_, i) => consumerId(i) === fn.logicalId);
      if (queue === undefined) return undefined;
      const target = { endpoint: fn.endpoint, region: fn.region, credentials: LOCAL_CREDENTIALS };
      const sqs = createSqsClient(target);
      const tableName = fn.environment[LEDGER_TABLE_ENV] ?? "";
      const dynamodb = DynamoDB === undefined ? undefined : new DynamoDB(target);
      // Completes durable callbacks against the stack's Lambda API (docs/durable.md).
      const lambda = createLambdaClient(target, { maxAttempts: 5 });
      const ledger = dynamodb === undefined ? (false as const) : { tableName, dynamodb };
      const routes = queueRoutes(queues, queues.indexOf(queue)).map((r) => ({
        jobs: r.jobs,
        client: new JobClient({ queueUrl: fn.environment[queueUrlEnvVar(r.queue)], sqs, ledger }),
      }));
      const handler = createSqsHandler(queue.handlers, {
        logLevel: "warn",
        metrics: false,
        routes,
        ...queue.consumer,
        sqs,
        queueUrl: fn.environment[ENV.queueUrl],
        dlqUrl: fn.environment[ENV.dlqUrl],
        ledger,
        lambda,
      });
      return new InProcessFunction({
        name: fn.name,
        timeoutSeconds: fn.timeoutSeconds,
        region: fn.region,
        handler: handler as LambdaHandler,
        onStop: () => {
          sqs.destroy();
          dynamodb?.destroy();
          lambda.destroy();
        },
      });
    },
  });
}
