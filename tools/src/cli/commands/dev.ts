import { writeFile } from "node:fs/promises";
import {
  payloadBucketEnvVar,
  queueUrlEnvVar,
  topicArnEnvVar,
  topicPayloadBucketEnvVar,
} from "sqs-jobs/internal/core/env";
import { ConfigError } from "sqs-jobs/internal/core/errors";
import { nodeTooOld } from "sqs-jobs/internal/core/node-version";
import { packageVersion } from "sqs-jobs/internal/core/package-version";
import { queueNameOf } from "sqs-jobs/internal/core/queue-url";
import { createSqsClient } from "sqs-jobs/internal/core/sqs-client";
import { type BucketSeed, parseBucketSeed } from "../../local/bucket-seed.ts";
import type { DevEvent, DevStack, LocalTopic } from "../../local/dev-stack.ts";
import { type Command, intOption, stringOption } from "../command.ts";
import type { CliContext } from "../context.ts";
import { DevDashboard } from "../dev-dashboard.ts";
import { DevSummary } from "../dev-summary.ts";
import { untilSignal } from "../until-signal.ts";
import { UsageError } from "../usage-error.ts";

export const devCommand: Command = {
  name: "dev",
  summary: "run the CDK app's queues and functions locally (no AWS, no Docker)",
  help: `Usage: sqs-jobs dev [--app CMD|DIR] [--port 4566] [--host H] [--persist DIR]
                    [--reset] [--write-env FILE] [--seed BUCKET=DIR]

Synthesizes the CDK app, creates its SQS queues in an embedded emulator (fauxqs)
and its DynamoDB tables in dynalite, fires its EventBridge Scheduler schedules,
and runs every SQS-triggered function's real handler locally, the way Lambda's
poller does (batch size, batching window, maximum concurrency, partial batch
responses, timeouts), each from a root of its own with the AWS SDK the Lambda
runtime provides. One endpoint, on loopback, serves SQS, S3, SNS, DynamoDB,
the Scheduler API and the Lambda API, so every sqs-jobs command, the AWS SDK
and the AWS CLI work against it. It prints each queue's URL and the variables
a producer needs. Every few seconds it prints per function the jobs that
succeeded, were returned for retry or were dead-lettered, and each DLQ's depth
when it changes. The dashboard (see \`sqs-jobs dashboard --help\`) is served on
the same port under /_sqs-jobs/dashboard/; the URL printed carries its token.
Ctrl-C stops everything.

Options:
  --app CMD|DIR   the CDK app command, or a synthesized cdk.out directory
                  (default: "app" in ./cdk.json)
  --port N        port of the endpoint, 0 for any free port (default 4566)
  --host H        interface to listen on (default 127.0.0.1; anything else
                  lets other machines send and read jobs)
  --persist DIR   keep queues, messages, tables, items and schedules in DIR
                  across restarts
  --reset         with --persist: delete what DIR keeps first and start empty
                  (the way out of a store that cannot be read)
  --write-env F   write AWS_ENDPOINT_URL, AWS_REGION, dummy credentials,
                  SQS_JOBS_<NAME>_QUEUE_URL for each queue and the job ledger's
                  SQS_JOBS_LEDGER_TABLE to file F (KEY=value lines, for
                  node --env-file F or set -a; . F)
  --seed B=DIR    put every file under DIR into bucket B (its construct id, as
                  in new s3.Bucket(this, "Bucket"), or its local name), keyed
                  by its path under DIR; several: --seed A=dir1,B=dir2
  --json          one JSON object per line: the stack, then every event

Examples:
  sqs-jobs dev
  sqs-jobs dev --app "npx tsx infra/app.ts" --port 4567 --persist .sqs-jobs/data
  sqs-jobs dev --write-env .sqs-jobs/dev.env --seed Bucket=fixtures/bucket
  # in another terminal:
  export AWS_ENDPOINT_URL=http://127.0.0.1:4566
  sqs-jobs status`,
  options: {
    app: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    persist: { type: "string" },
    reset: { type: "boolean" },
    "write-env": { type: "string" },
    seed: { type: "string" },
  },
  args: { min: 0, max: 0 },
  async run(ctx, _positionals, values) {
    // The emulator needs node:sqlite (22.13) and the functions' module hooks need 22.15.
    const tooOld = nodeTooOld([22, 15], "sqs-jobs dev");
    if (tooOld !== undefined) throw new ConfigError(tooOld);
    const port = intOption(values, "port", { min: 0, max: 65_535 }) ?? 4566;
    const persistDir = stringOption(values, "persist");
    if (values.reset === true && persistDir === undefined) {
      throw new UsageError("--reset needs --persist DIR: without it nothing is kept to reset");
    }
    const seed: BucketSeed[] = (stringOption(values, "seed") ?? "")
      .split(",")
      .filter((part) => part !== "")
      .map(parseBucketSeed);
    // Not --env-file: Node reads that option from anywhere on its command line, even after the
    // script, and exits when the file does not exist yet.
    const envFile = stringOption(values, "write-env");
    const summary = new DevSummary(cliCommand());
    let ready = false;
    const early: DevEvent[] = [];
    const dashboard = new DevDashboard();
    const onEvent = (event: DevEvent): void => {
      dashboard.record(event);
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
      persistDir,
      reset: values.reset === true,
      region: stringOption(values, "region"),
      seed,
      onEvent,
    });
    let dashboardUrl: string;
    try {
      if (envFile !== undefined)
        await writeFile(
          envFile,
          `${producerEnvironment(stack)
            .map(([k, v]) => `${k}=${v}`)
            .join("\n")}\n`,
        );
      dashboardUrl = dashboard.mount(stack, await packageVersion());
    } catch (error) {
      // A stack left running would keep the process, its port and --persist directory.
      await stack.stop();
      throw error;
    }
    const signalled = untilSignal(ctx);
    printStack(ctx, stack, envFile, dashboardUrl);
    ready = true;
    for (const event of early.splice(0)) showEvent(ctx, summary, event);
    try {
      return await runUntilSignal(ctx, stack, summary, signalled);
    } finally {
      dashboard.close();
    }
  },
};

/**
 * What a producer on this machine needs to reach the stack: the endpoint, a region, dummy
 * credentials (the emulator checks none, the SDK wants some), each source queue's URL under
 * the variable `JobClient({ queue })` reads and each topic's ARN under the one
 * `JobClient({ topic })` reads (with their payload buckets), and the job ledger's table when the
 * app has one.
 */
function producerEnvironment(stack: DevStack): [string, string][] {
  const dlqs = new Set(stack.queues.flatMap((q) => (q.dlqUrl === undefined ? [] : [q.dlqUrl])));
  return [
    ["AWS_ENDPOINT_URL", stack.endpoint],
    ["AWS_REGION", stack.region],
    ["AWS_ACCESS_KEY_ID", "test"],
    ["AWS_SECRET_ACCESS_KEY", "test"],
    ...stack.queues
      .filter((q) => !dlqs.has(q.url))
      .map((q): [string, string] => [queueUrlEnvVar(q.name), q.url]),
    ...stack.queues.flatMap((q): [string, string][] =>
      q.payloadBucket === undefined ? [] : [[payloadBucketEnvVar(q.name), q.payloadBucket]],
    ),
    ...stack.topics.flatMap(topicVariables),
    ...Object.entries(stack.ledgerEnvironment),
  ];
}

/** A `JobTopic`'s variables: its ARN, and its payload bucket when it has one; none for another topic. */
function topicVariables({ jobTopic, arn, payloadBucket }: LocalTopic): [string, string][] {
  if (jobTopic === undefined) return [];
  const variables: [string, string][] = [[topicArnEnvVar(jobTopic), arn]];
  if (payloadBucket !== undefined) variables.push([topicPayloadBucketEnvVar(jobTopic), payloadBucket]);
  return variables;
}

/**
 * How the user runs sqs-jobs, so printed commands can be pasted: `npm run sqs-jobs --` inside
 * this repository (npm start, npm run sqs-jobs), `npx sqs-jobs` where it is a package.
 */
export function cliCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_package_name === "sqs-jobs" && env.npm_lifecycle_event !== undefined
    ? "npm run sqs-jobs --"
    : "npx sqs-jobs";
}

function printStack(
  ctx: CliContext,
  stack: DevStack,
  envFile: string | undefined,
  dashboardUrl: string,
): void {
  if (ctx.json) {
    const { endpoint, region, queues, tables, functions, buckets, outputs } = stack;
    const environment = Object.fromEntries(producerEnvironment(stack));
    ctx.out(
      JSON.stringify({
        type: "ready",
        endpoint,
        dashboard: dashboardUrl,
        region,
        queues,
        tables,
        functions,
        buckets,
        outputs,
        environment,
      }),
    );
    return;
  }
  const cli = cliCommand();
  ctx.out(`Local stack listening on ${stack.endpoint} (SQS, S3, SNS, DynamoDB, Lambda API)`);
  ctx.out("");
  ctx.out("Queues:");
  const width = Math.max(0, ...stack.queues.map((q) => q.name.length));
  for (const q of stack.queues) {
    ctx.out(
      `  ${q.name.padEnd(width)}  ${q.url}${q.dlqUrl === undefined ? "" : `  (DLQ ${queueNameOf(q.dlqUrl)})`}`,
    );
  }
  ctx.out("Functions:");
  if (stack.functions.length === 0) ctx.out("  (none triggered by SQS)");
  for (const fn of stack.functions) {
    const sources = fn.eventSources.map(
      (es) => `${queueNameOf(es.queueArn)}${es.enabled ? "" : " (paused)"}`,
    );
    ctx.out(`  ${fn.name}  <- ${sources.join(", ") || "no queue"}`);
  }
  if (stack.tables.length > 0) {
    ctx.out("Tables:");
    for (const t of stack.tables) {
      const details = [
        ...t.indexes.map((i) => `index ${i}`),
        ...(t.timeToLiveAttribute === undefined ? [] : [`TTL ${t.timeToLiveAttribute}`]),
      ];
      ctx.out(`  ${t.name}${details.length === 0 ? "" : `  (${details.join(", ")})`}`);
    }
  }
  if (stack.buckets.length > 0) {
    ctx.out("Buckets:");
    for (const b of stack.buckets) {
      const seeded = b.seeded.length === 0 ? "" : `  (seeded: ${b.seeded.join(", ")})`;
      ctx.out(`  ${b.name}${seeded}`);
    }
  }
  if (stack.outputs.length > 0) {
    ctx.out("Outputs:");
    for (const o of stack.outputs) ctx.out(`  ${o.stackName}.${o.key} = ${o.value ?? "(no local value)"}`);
  }
  ctx.out("");
  ctx.out(
    envFile === undefined
      ? "For a producer or the AWS CLI in another terminal (or pass --write-env FILE):"
      : `For a producer or the AWS CLI in another terminal (also written to ${envFile}):`,
  );
  for (const [key, value] of producerEnvironment(stack)) ctx.out(`  export ${key}=${value}`);
  ctx.out("Then, for example:");
  ctx.out(`  ${cli} status`);
  ctx.out("");
  // The token makes the URL long; it stays on one line so a terminal can open it with a click.
  ctx.out(`Dashboard (keep the URL to yourself: its token allows actions): ${dashboardUrl}`);
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

/** Prints summaries until `signalled`, then stops the stack. */
async function runUntilSignal(
  ctx: CliContext,
  stack: DevStack,
  summary: DevSummary,
  signalled: Promise<void>,
): Promise<number> {
  const sqs = createSqsClient({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const dlqs = [...new Set(stack.queues.flatMap((q) => (q.dlqUrl === undefined ? [] : [q.dlqUrl])))];
  const tick = async (): Promise<void> => {
    if (ctx.json) return;
    for (const line of summary.tick()) ctx.out(`${time()} ${line}`);
    for (const line of await summary.readDlqs(sqs, dlqs)) ctx.out(`${time()} ${line}`);
  };
  const timer = setInterval(() => void tick(), TICK_MS);
  await signalled;
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
