import type { MappingInfo } from "../../ops/event-source.ts";
import { resolveQueue } from "../../ops/queue-ref.ts";
import { listStatusQueues, mapLimit, type QueueStats, queueStats } from "../../ops/stats.ts";
import { type Command, stringOption } from "../command.ts";
import { formatAge, renderTable } from "../table.ts";

export const statusCommand: Command = {
  name: "status",
  summary: "depth, DLQ depth and consumer state of queues",
  help: `Usage: sqs-jobs status [queue...] [--prefix P]

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
  --prefix P   only queues whose name starts with P

Examples:
  sqs-jobs status
  sqs-jobs status reports emails.fifo
  sqs-jobs status --prefix prod- --json`,
  options: { prefix: { type: "string" } },
  args: { min: 0, max: 100 },
  async run(ctx, positionals, values) {
    const refs =
      positionals.length > 0
        ? await mapLimit(positionals, 8, (q) => resolveQueue(ctx.sqs, q))
        : await listStatusQueues(ctx.sqs, stringOption(values, "prefix"));
    const stats = await mapLimit(refs, 8, (ref) => queueStats(ctx.sqs, ref, { lambda: ctx.lambda }));
    if (ctx.json) {
      ctx.out(JSON.stringify({ queues: stats }, null, 2));
      return 0;
    }
    if (stats.length === 0) {
      ctx.out("no queues");
      return 0;
    }
    for (const line of renderTable(COLUMNS, stats.map(row))) ctx.out(line);
    return 0;
  },
};

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
