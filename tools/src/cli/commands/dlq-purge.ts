import { plural } from "sqs-jobs/internal/core/plural";
import { purgeQueue } from "sqs-jobs/internal/ops/purge";
import { resolveDeadLetterPair } from "sqs-jobs/internal/ops/queue-ref";
import { depthOf } from "sqs-jobs/internal/ops/stats";
import type { Command } from "../command.ts";
import { UsageError } from "../usage-error.ts";

export const dlqPurgeCommand: Command = {
  name: "dlq purge",
  summary: "delete every message of a DLQ (needs --yes)",
  help: `Usage: sqs-jobs dlq purge <queue> --yes

Deletes every message in the dead-letter queue of <queue> (or in <queue> if it
is the DLQ). There is no undo, so --yes is required; keep a copy first with
\`sqs-jobs dlq export\`. SQS allows one purge per queue every 60 seconds and may
take up to 60 seconds to finish.

Examples:
  sqs-jobs dlq export reports --out reports-dlq.jsonl
  sqs-jobs dlq purge reports --yes`,
  options: { yes: { type: "boolean" } },
  args: { min: 1, max: 1 },
  async run(ctx, [queue = ""], values) {
    const { dlq } = await resolveDeadLetterPair(ctx.sqs, queue);
    const depth = depthOf(dlq);
    const count = depth.visible + depth.inFlight + depth.delayed;
    if (values.yes !== true) {
      throw new UsageError(
        `refusing to purge ${dlq.name} (about ${plural(count, "message")}) without --yes: purging cannot be undone; back it up first with \`sqs-jobs dlq export ${queue} --out FILE\``,
      );
    }
    await purgeQueue(ctx.sqs, dlq.url);
    if (ctx.json) ctx.out(JSON.stringify({ purged: dlq.url, approximateMessages: count }));
    else ctx.out(`purged ${dlq.name} (about ${plural(count, "message")})`);
    return 0;
  },
};
