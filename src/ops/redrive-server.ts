import { setTimeout as sleep } from "node:timers/promises";
import {
  ListMessageMoveTasksCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { OperationError, toOpsError } from "../core/aws-errors.ts";
import { plural } from "../core/plural.ts";
import type { RedriveOptions, RedriveProgress } from "./redrive-options.ts";

type ServerOutcome =
  | { supported: true; result: RedriveProgress & { errors: string[] } }
  | { supported: false; reason: string };

const UNSUPPORTED_NAMES = new Set([
  "InvalidAction",
  "UnsupportedOperation",
  "AWS.SimpleQueueService.UnsupportedOperation",
  "UnknownOperationException",
  "NotImplemented",
]);

function unsupported(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (
    UNSUPPORTED_NAMES.has(e.name ?? "") ||
    e.$metadata?.httpStatusCode === 501 ||
    /unknown action|not implemented|not supported/i.test(e.message ?? "")
  ) {
    return `${e.name ?? "error"}: ${(e.message ?? "").slice(0, 200)}`;
  }
  return undefined;
}

/** StartMessageMoveTask, then ListMessageMoveTasks until the task ends; reports when the endpoint lacks it. */
export async function serverSideMove(sqs: SQSClient, options: RedriveOptions): Promise<ServerOutcome> {
  let taskHandle: string | undefined;
  try {
    const out = await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: options.dlq.arn,
        DestinationArn: options.to?.arn,
        MaxNumberOfMessagesPerSecond: options.maxPerSecond,
      }),
    );
    taskHandle = out.TaskHandle;
  } catch (error) {
    const reason = unsupported(error);
    if (reason !== undefined) return { supported: false, reason };
    throw toOpsError(error, { what: `starting a message move task from ${options.dlq.name}` });
  }
  for (;;) {
    await sleep(options.pollMs ?? 2_000);
    let task: Awaited<ReturnType<typeof listTasks>>[number] | undefined;
    try {
      const tasks = await listTasks(sqs, options.dlq.arn);
      task = tasks.find((t) => t.TaskHandle === taskHandle) ?? tasks[0];
    } catch (error) {
      throw toOpsError(error, { what: `reading the progress of the move task from ${options.dlq.name}` });
    }
    const progress = {
      moved: task?.ApproximateNumberOfMessagesMoved ?? 0,
      skipped: 0,
      failed: 0,
      total: task?.ApproximateNumberOfMessagesToMove,
    };
    options.onProgress?.(progress);
    const status = task?.Status ?? "COMPLETED";
    if (status === "RUNNING" || status === "CANCELLING") continue;
    if (status === "FAILED") {
      throw new OperationError(
        `the move task from ${options.dlq.name} failed after moving ${plural(progress.moved, "message")}: ${task?.FailureReason ?? "no reason given"}`,
      );
    }
    return {
      supported: true,
      result: { ...progress, errors: status === "CANCELLED" ? ["the move task was cancelled"] : [] },
    };
  }
}

async function listTasks(sqs: SQSClient, sourceArn: string) {
  const out = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }));
  return out.Results ?? [];
}
