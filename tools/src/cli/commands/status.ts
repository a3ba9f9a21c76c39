import { mapLimit } from "sqs-jobs/internal/core/map-limit";
import { plural } from "sqs-jobs/internal/core/plural";
import type { MappingInfo } from "sqs-jobs/internal/ops/event-source";
import { resolveQueue } from "sqs-jobs/internal/ops/queue-ref";
import { listStatusQueues, type QueueStats, queueStats } from "sqs-jobs/internal/ops/stats";
import { type Command, stringOption } from "../command.ts";
import type { CliContext } from "../context.ts";
import { formatAge, renderTable } from "../table.ts";

export const statusCommand: Command = {
  name: "status",
  summary: "depth, DLQ depth and consumer state of queues",
  help: `Usage: sqs-jobs status [queue...] [--prefix P] [--fail-on-dlq]

One row per queue: messages visible, in flight and delayed, the age of the
oldest message, the depth of its dead-letter queue (from its RedrivePolicy) and
its consumer: the Lambda event source mapping's state and maximum concurrency
("on x5" = enabled, at most 5 concurrent batches; "off" = paused; "none" = no
mapping).

Without queues, lists every queue (or those starting with --prefix); a queue
that only serves as another's DLQ shows in that queue's DLQ column, not on its
own row.

"-" means unknown:
  OLDEST    SQS does not report it as a queue attribute; on AWS it is the
            CloudWatch metric AWS/SQS ApproximateAgeOfOldestMessage, which
            sqs-jobs does not read.
  CONSUMER  the Lambda API did not answer or refused (see --json for why).

Options:
  --prefix P     only queues whose name starts with P
  --fail-on-dlq  exit 3 when a DLQ holds messages (visible, in flight or
                 delayed), 1 when a DLQ cannot be read: a check for cron or CI

Exit codes: 0 done, 1 error, 2 usage, 3 a DLQ holds messages (--fail-on-dlq).

Examples:
  sqs-jobs status
  sqs-jobs status reports email.fifo
  sqs-jobs status --prefix prod- --json
  sqs-jobs status --prefix prod- --fail-on-dlq || notify "dead jobs"`,
  options: { prefix: { type: "string" }, "fail-on-dlq": { type: "boolean" } },
  args: { min: 0, max: 100 },
  async run(ctx, positionals, values) {
    const refs =
      positionals.length > 0
        ? await mapLimit(positionals, 8, (q) => resolveQueue(ctx.sqs, q))
        : await listStatusQueues(ctx.sqs, stringOption(values, "prefix"));
    const stats = await mapLimit(refs, 8, (ref) => queueStats(ctx.sqs, ref, { lambda: ctx.lambda }));
    if (ctx.json) ctx.out(JSON.stringify({ queues: stats }, null, 2));
    else if (stats.length === 0) ctx.out("no queues");
    else for (const line of renderTable(COLUMNS, stats.map(row))) ctx.out(line);
    return values["fail-on-dlq"] === true ? dlqCheck(ctx, stats) : 0;
  },
};

/** Exit code {@link DLQ_NOT_EMPTY}, not 1, so a check can tell dead jobs from a failed command. */
const DLQ_NOT_EMPTY = 3;

function dlqCheck(ctx: CliContext, stats: readonly QueueStats[]): number {
  const unreadable = stats.filter((s) => s.dlq === undefined && s.dlqError !== undefined);
  for (const s of unreadable) ctx.note(`error: the DLQ of ${s.name} could not be read: ${s.dlqError}`);
  if (unreadable.length > 0) return 1;
  let code = 0;
  for (const { name, dlq } of stats) {
    const held = dlq === undefined ? 0 : dlq.visible + dlq.inFlight + dlq.delayed;
    if (dlq === undefined || held === 0) continue;
    ctx.note(`${dlq.name} holds ${plural(held, "message")}: sqs-jobs dlq peek ${name}`);
    code = DLQ_NOT_EMPTY;
  }
  return code;
}

const COLUMNS = [
  { header: "QUEUE", shrink: true, min: 12 },
  { header: "VISIBLE", right: true },
  { header: "IN FLIGHT", right: true },
  { header: "DELAYED", right: true },
  { header: "OLDEST", right: true },
  { header: "DLQ", right: true },
  { header: "CONSUMER" },
] as const;

function row(s: QueueStats): string[] {
  return [
    s.name,
    String(s.visible),
    String(s.inFlight),
    String(s.delayed),
    s.oldestAgeSeconds === undefined ? "-" : formatAge(s.oldestAgeSeconds),
    s.dlq !== undefined
      ? String(s.dlq.visible + s.dlq.inFlight + s.dlq.delayed)
      : s.dlqError !== undefined
        ? "?"
        : "none",
    consumer(s.mappings),
  ];
}

function consumer(mappings: readonly MappingInfo[] | undefined): string {
  if (mappings === undefined) return "-";
  if (mappings.length === 0) return "none";
  return mappings
    .map((m) => {
      const state = m.state === "Enabled" ? "on" : m.state === "Disabled" ? "off" : m.state.toLowerCase();
      return m.maximumConcurrency === undefined ? state : `${state} x${m.maximumConcurrency}`;
    })
    .join(",");
}
