import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { createSqsClient } from "../../core/sqs-client.ts";
import type { DevEvent, DevStack } from "../../local/dev-stack.ts";
import { queueNameOf } from "../../ops/queue-ref.ts";
import { type Command, intOption, stringOption } from "../command.ts";
import type { CliContext } from "../context.ts";
import { DevSummary } from "../dev-summary.ts";

export const devCommand: Command = {
  name: "dev",
  summary: "run the CDK app's queues and functions locally (no AWS, no Docker)",
  help: `Usage: sqs-jobs dev [--app CMD|DIR] [--port 4566] [--host H] [--persist DIR]

Synthesizes the CDK app, creates its SQS queues in an embedded emulator (fauxqs)
and runs every SQS-triggered function's real handler locally, the way Lambda's
poller does (batch size, batching window, maximum concurrency, partial batch
responses, timeouts). One endpoint serves SQS, S3, SNS and the Lambda API, so
every sqs-jobs command, the AWS SDK and the AWS CLI work against it. Every few
seconds it prints per function the jobs that succeeded, were returned for retry
or were dead-lettered, and each DLQ's depth when it changes. Ctrl-C stops
everything.

Options:
  --app CMD|DIR   the CDK app command, or a synthesized cdk.out directory
                  (default: "app" in ./cdk.json)
  --port N        port of the endpoint, 0 for any free port (default 4566)
  --host H        interface to listen on (default 127.0.0.1)
  --persist DIR   keep queues and messages in DIR across restarts
  --json          one JSON object per line: the stack, then every event

Examples:
  sqs-jobs dev
  sqs-jobs dev --app "npx tsx infra/app.ts" --port 4567 --persist .sqs-jobs/data
  # in another terminal:
  export AWS_ENDPOINT_URL=http://127.0.0.1:4566
  sqs-jobs status`,
  options: {
    app: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    persist: { type: "string" },
  },
  args: { min: 0, max: 0 },
  async run(ctx, _positionals, values) {
    const port = intOption(values, "port", { min: 0, max: 65_535 }) ?? 4566;
    const summary = new DevSummary();
    let ready = false;
    const early: DevEvent[] = [];
    const onEvent = (event: DevEvent): void => {
      if (!ready) early.push(event);
      else showEvent(ctx, summary, event);
    };
    ctx.note("sqs-jobs dev: synthesizing the CDK app and starting the local stack...");
    // Loaded only here: the emulator and its dependencies are not needed by any other command.
    const { startDevStack } = await import("../../local/dev-stack.ts");
    const stack = await startDevStack({
      app: stringOption(values, "app"),
      cwd: process.cwd(),
      port,
      host: stringOption(values, "host"),
      persistDir: stringOption(values, "persist"),
      region: stringOption(values, "region"),
      onEvent,
    });
    printStack(ctx, stack);
    ready = true;
    for (const event of early.splice(0)) showEvent(ctx, summary, event);
    return await runUntilSignal(ctx, stack, summary);
  },
};

function printStack(ctx: CliContext, stack: DevStack): void {
  if (ctx.json) {
    const { endpoint, region, queues, functions } = stack;
    ctx.out(JSON.stringify({ type: "ready", endpoint, region, queues, functions }));
    return;
  }
  ctx.out(`Local stack listening on ${stack.endpoint} (SQS, S3, SNS, Lambda API)`);
  ctx.out("");
  ctx.out("In another terminal:");
  ctx.out(`  export AWS_ENDPOINT_URL=${stack.endpoint}`);
  ctx.out("  sqs-jobs status");
  ctx.out("");
  ctx.out("Queues:");
  for (const q of stack.queues) {
    ctx.out(`  ${q.name}${q.dlqUrl === undefined ? "" : `  (DLQ ${queueNameOf(q.dlqUrl)})`}`);
  }
  ctx.out("Functions:");
  if (stack.functions.length === 0) ctx.out("  (none triggered by SQS)");
  for (const fn of stack.functions) {
    const sources = fn.eventSources.map(
      (es) => `${queueNameOf(es.queueArn)}${es.enabled ? "" : " (paused)"}`,
    );
    ctx.out(`  ${fn.name}  <- ${sources.join(", ") || "no queue"}`);
  }
  ctx.out("");
  ctx.out("Press Ctrl-C to stop.");
}

function showEvent(ctx: CliContext, summary: DevSummary, event: DevEvent): void {
  if (ctx.json) {
    ctx.out(JSON.stringify(event));
    if (event.type === "batch") summary.record(event);
    return;
  }
  if (event.type === "batch") summary.record(event);
  else if (event.type === "log") {
    if (!summary.log(event.functionName, event.line)) ctx.out(`${event.functionName} | ${event.line}`);
  } else ctx.note(`${event.functionName ?? "dev"} ! ${event.message}`);
}

const TICK_MS = 2_000;

/** Prints summaries until SIGINT/SIGTERM, then stops the stack; a second signal exits at once. */
async function runUntilSignal(ctx: CliContext, stack: DevStack, summary: DevSummary): Promise<number> {
  const sqs = createSqsClient({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const dlqs = [...new Set(stack.queues.flatMap((q) => (q.dlqUrl === undefined ? [] : [q.dlqUrl])))];
  const tick = async (): Promise<void> => {
    if (ctx.json) return;
    for (const line of summary.tick()) ctx.out(`${time()} ${line}`);
    for (const url of dlqs) {
      try {
        const out = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }),
        );
        const line = summary.dlq(queueNameOf(url), Number(out.Attributes?.ApproximateNumberOfMessages ?? 0));
        if (line !== undefined) ctx.out(`${time()} ${line}`);
      } catch {
        // A DLQ read failing during shutdown or a restart is not worth a message; the next tick retries.
      }
    }
  };
  const timer = setInterval(() => void tick(), TICK_MS);
  await new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        ctx.note(`${signal} again: exiting without waiting`);
        process.exit(130);
      }
      signalled = true;
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  clearInterval(timer);
  ctx.note("stopping: waiting for running batches to finish...");
  await tick();
  await stack.stop();
  sqs.destroy();
  const totals = summary.totals();
  if (ctx.json) ctx.out(JSON.stringify({ type: "stopped", totals }));
  else {
    for (const t of totals) {
      ctx.out(
        `${t.functionName}: ${t.ok} ok, ${t.retried} returned for retry, ${t.deadLettered} dead-lettered`,
      );
    }
    ctx.out("stopped");
  }
  return 0;
}

function time(): string {
  return new Date().toTimeString().slice(0, 8);
}
