import { endpointFromEnv, optionalEnv } from "sqs-jobs/internal/core/env";
import { packageVersion } from "sqs-jobs/internal/core/package-version";
import { clientConfig } from "sqs-jobs/internal/core/sqs-connect";
import { LEDGER_TABLE_ENV } from "sqs-jobs/internal/ledger/table-layout";
import { type Command, intOption, stringOption } from "../command.ts";
import { untilSignal } from "../until-signal.ts";

export const dashboardCommand: Command = {
  name: "dashboard",
  summary: "a web UI for queues, DLQs, consumers, ledger jobs and schedules",
  help: `Usage: sqs-jobs dashboard [--port 4570] [--host H] [--read-only] [--prefix P]
                          [--table T] [--metrics-namespace NS]

Serves a web page, on this machine only, that shows every queue (visible, in
flight, delayed, oldest age, DLQ depth, consumers, the last 15 minutes of
depths), each DLQ's jobs with why they died (filter by reason, job and time),
a job's envelope (its payload only on request), and the job ledger's jobs and
the schedules with their next runs. From it you can redrive a selection or a
filter with progress, purge a DLQ (typing its name), and pause or resume a
queue's consumers. It works against AWS, LocalStack and \`sqs-jobs dev\` (which
also serves it on its own port) and reads nothing from the internet.

It prints a URL with a token after "#": the page needs it for every action
(redrive, purge, pause, resume, showing a payload). Keep it to yourself;
another one is made on every start. Ctrl-C stops it.

Options:
  --port N      port to listen on, 0 for any free port (default 4570)
  --host H      interface to listen on (default 127.0.0.1; anything else lets
                other machines see your queues)
  --read-only   refuse every action: a page to look at, not to act from
  --prefix P    only queues whose name starts with P
  --table T     the job ledger's DynamoDB table (default: ${LEDGER_TABLE_ENV})
  --metrics-namespace NS
                the CloudWatch namespace your consumers' metrics go to, for
                each queue's succeeded, failed and dead jobs (default SqsJobs)
  --json        one JSON line when ready: the URL, its origin and the token

Examples:
  sqs-jobs dashboard
  sqs-jobs dashboard --prefix prod- --read-only --region eu-west-1
  sqs-jobs dashboard --endpoint http://127.0.0.1:4566 --port 0`,
  options: {
    port: { type: "string" },
    host: { type: "string" },
    "read-only": { type: "boolean" },
    prefix: { type: "string" },
    table: { type: "string" },
    "metrics-namespace": { type: "string" },
  },
  args: { min: 0, max: 0 },
  async run(ctx, _positionals, values) {
    const port = intOption(values, "port", { min: 0, max: 65_535 }) ?? 4570;
    const readOnly = values["read-only"] === true;
    // Loaded only here: no other command needs the server or CloudWatch.
    const { startDashboard } = await import("../../dashboard/server.ts");
    const { CloudWatchRates } = await import("../../dashboard/cloudwatch-rates.ts");
    const { CloudWatchClient } = await import("@aws-sdk/client-cloudwatch");
    const cloudwatch = new CloudWatchClient(clientConfig(ctx.target, "CLOUDWATCH"));
    const running = await startDashboard({
      sqs: ctx.sqs,
      lambda: ctx.lambda,
      dynamodb: () => ctx.dynamodb(),
      ledgerTable: stringOption(values, "table") ?? optionalEnv(LEDGER_TABLE_ENV),
      scheduler: () => ctx.scheduler(),
      rates: new CloudWatchRates(cloudwatch, { namespace: stringOption(values, "metrics-namespace") }),
      target: {
        endpoint: ctx.target.endpoint ?? endpointFromEnv("SQS") ?? null,
        region: await ctx.sqs.config.region(),
      },
      version: await packageVersion(),
      readOnly,
      prefix: stringOption(values, "prefix"),
      host: stringOption(values, "host"),
      port,
    });
    const signalled = untilSignal(ctx);
    if (ctx.json) {
      ctx.out(
        JSON.stringify({ type: "ready", url: running.url, origin: running.origin, token: running.token }),
      );
    } else {
      ctx.out(`sqs-jobs dashboard${readOnly ? " (read-only)" : ""}: open ${running.url}`);
      ctx.out("Press Ctrl-C to stop.");
    }
    await signalled;
    await running.close();
    cloudwatch.destroy();
    if (!ctx.json) ctx.out("stopped");
    return 0;
  },
};
