import type { AppModel } from "../../tools/src/local/app-model.ts";
import { type DevStack, startDevStack } from "../../tools/src/local/dev-stack.ts";
import { InProcessFunction, type LambdaHandler } from "../../tools/src/local/in-process-function.ts";
import type { ScheduleModel } from "../../tools/src/local/schedule-model.ts";

/**
 * The dev stack with one queue ("work") feeding one function ("worker") whose handler runs in
 * this process: the real endpoint (SQS, Scheduler and Lambda APIs, the clock) in a second, with
 * no CDK app to synthesize.
 */
export async function startOneFunctionStack(
  handler: LambdaHandler,
  options: {
    readonly schedules?: readonly ScheduleModel[];
    readonly persistDir?: string;
    /** The event source's settings, as a template would give them. */
    readonly batchSize?: number;
    readonly maximumConcurrency?: number;
  } = {},
): Promise<DevStack> {
  const model: AppModel = {
    queues: [
      {
        stackName: "Local",
        logicalId: "Work",
        name: "work",
        fifo: false,
        attributes: { VisibilityTimeout: "30" },
        dlqLogicalId: undefined,
        jobs: [],
      },
    ],
    functions: [
      {
        stackName: "Local",
        logicalId: "Worker",
        name: "worker",
        codeDir: undefined,
        handler: "index.handler",
        timeoutSeconds: 5,
        environment: {},
      },
    ],
    eventSources: [
      {
        logicalId: "WorkerSource",
        functionLogicalId: "Worker",
        queueLogicalId: "Work",
        batchSize: options.batchSize ?? 10,
        batchingWindowSeconds: 0,
        maximumConcurrency: options.maximumConcurrency,
        reportBatchItemFailures: true,
        enabled: true,
      },
    ],
    buckets: [],
    tables: [],
    schedules: options.schedules ?? [],
    topics: [],
    subscriptions: [],
    outputs: [],
  };
  return startDevStack({
    model,
    port: 0,
    ...(options.persistDir === undefined ? {} : { persistDir: options.persistDir }),
    inProcess: (fn) =>
      new InProcessFunction({ name: fn.name, timeoutSeconds: fn.timeoutSeconds, region: fn.region, handler }),
  });
}

/** An answer of the endpoint, as it came. */
export interface RawAnswer {
  readonly status: number;
  readonly errorType: string | undefined;
  readonly body: string;
}

/** A request as a client that sends anything would make it (no SDK in the way). */
export async function rawRequest(
  stack: DevStack,
  method: string,
  path: string,
  options: { readonly body?: string; readonly service?: "scheduler" | "lambda" } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.service !== undefined) {
    // What routes a call to a service: SigV4's credential scope (the local APIs check no signature).
    headers.authorization = `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${options.service}/aws4_request, SignedHeaders=host, Signature=0`;
  }
  const res = await fetch(`${stack.endpoint}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  return {
    status: res.status,
    errorType: res.headers.get("x-amzn-errortype") ?? undefined,
    body: await res.text(),
  };
}
