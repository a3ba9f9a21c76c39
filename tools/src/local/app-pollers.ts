import { createHash } from "node:crypto";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { AppFunctions } from "./app-functions.ts";
import type { AppModel } from "./app-model.ts";
import type { DevEvent } from "./dev-event.ts";
import { EventSourcePoller } from "./event-source.ts";
import type { LocalQueue } from "./local-queues.ts";

/**
 * One poller per event source mapping of the app whose function and queue exist locally, each
 * driving its function as Lambda's poller does; they start when told.
 */
export function createPollers(
  model: AppModel,
  parts: {
    readonly queues: readonly LocalQueue[];
    readonly functions: AppFunctions;
    readonly sqs: SQSClient;
    readonly region: string;
    readonly emit: (event: DevEvent) => void;
  },
): EventSourcePoller[] {
  const { functions, emit } = parts;
  const pollers: EventSourcePoller[] = [];
  for (const es of model.eventSources) {
    const runtime = functions.byLogicalId.get(es.functionLogicalId);
    const queue = parts.queues.find((q) => q.logicalId === es.queueLogicalId);
    if (runtime === undefined || queue === undefined) continue;
    const fnName = runtime.options.name;
    pollers.push(
      new EventSourcePoller({
        state: {
          uuid: stableUuid(`${es.logicalId}:${fnName}:${queue.arn}`),
          functionName: fnName,
          functionArn: functions.byName.get(fnName)?.arn ?? "",
          queueArn: queue.arn,
          queueUrl: queue.url,
          batchSize: es.batchSize,
          batchingWindowSeconds: es.batchingWindowSeconds,
          maximumConcurrency: es.maximumConcurrency,
          reportBatchItemFailures: es.reportBatchItemFailures,
          enabled: es.enabled,
          lastModified: new Date(),
        },
        sqs: parts.sqs,
        fn: runtime,
        region: parts.region,
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
  return pollers;
}

/** Event source mapping ids stay the same across restarts, so scripts can keep using them. */
function stableUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
