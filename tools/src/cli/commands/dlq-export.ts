import { plural } from "sqs-jobs/internal/core/plural";
import { exportMessages } from "sqs-jobs/internal/ops/export";
import { resolveDeadLetterPair } from "sqs-jobs/internal/ops/queue-ref";
import { type Command, stringOption } from "../command.ts";
import { UsageError } from "../usage-error.ts";

export const dlqExportCommand: Command = {
  name: "dlq export",
  summary: "write a DLQ's messages to a JSON Lines file (consumes nothing)",
  help: `Usage: sqs-jobs dlq export <queue> --out FILE.jsonl

Writes every message of the dead-letter queue of <queue> (or of <queue> if it is
the DLQ) to a new file, one JSON object per line: message id, job, job id, the
sqs-jobs reason fields, body, system attributes and message attributes. Nothing
is consumed: messages are hidden while being read (up to 5 minutes) and then
made visible again. The file must not exist yet. On a FIFO DLQ only the first
messages of each message group can be read.

Examples:
  sqs-jobs dlq export reports --out reports-dlq-$(date +%F).jsonl`,
  options: { out: { type: "string" } },
  args: { min: 1, max: 1 },
  async run(ctx, [queue = ""], values) {
    const out = stringOption(values, "out");
    if (out === undefined) throw new UsageError("--out FILE is required: where to write the messages");
    const { dlq } = await resolveDeadLetterPair(ctx.sqs, queue);
    const count = await exportMessages(ctx.sqs, dlq.url, out, {
      onProgress: (seen) => ctx.progress(`read ${plural(seen, "message")} from ${dlq.name}...`),
    });
    if (ctx.json) ctx.out(JSON.stringify({ dlq: dlq.url, out, messages: count }));
    else ctx.out(`exported ${plural(count, "message")} from ${dlq.name} to ${out}`);
    return 0;
  },
};
