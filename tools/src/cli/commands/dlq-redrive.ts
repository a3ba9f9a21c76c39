import { plural } from "sqs-jobs/internal/core/plural";
import { resolveDeadLetterPair, resolveQueue } from "sqs-jobs/internal/ops/queue-ref";
import { redrive } from "sqs-jobs/internal/ops/redrive";
import type { RedriveProgress } from "sqs-jobs/internal/ops/redrive-options";
import { type Command, intOption, stringOption } from "../command.ts";

export const dlqRedriveCommand: Command = {
  name: "dlq redrive",
  summary: "move dead-lettered jobs back to their queue (all, or filtered)",
  help: `Usage: sqs-jobs dlq redrive <queue> [--to QUEUE] [--job NAME] [--reason TEXT]
                            [--max-per-second N]

Moves the messages of the dead-letter queue of <queue> (or of <queue> if it is
the DLQ) back to the queue they came from, or to --to. Each job starts again
with its full attempts (a moved message has a receive count of 0).

Without --job/--reason the move is done by SQS (StartMessageMoveTask, on AWS and
LocalStack) and its progress is shown until it ends. Endpoints without that API
(fauxqs, which \`sqs-jobs dev\` runs) and filtered moves use a client-side move
instead: each message is copied with SendMessageBatch and deleted from the DLQ
only once the copy is acknowledged; FIFO group ids are kept; the sqs-jobs reason
attributes are dropped. Messages that do not match a filter stay in the DLQ; on
a FIFO DLQ so does the rest of their message group, so that no job overtakes an
earlier one of its group. A client-side move handles what the DLQ held when it
started, each message once, then exits: jobs that fail again while it runs stay
in the DLQ, and messages that arrive later wait for the next run.

Options:
  --to QUEUE          destination instead of each message's source queue
  --job NAME          only jobs with this name
  --reason TEXT       only jobs whose reason, error name or message has TEXT
  --max-per-second N  move at most N messages per second (1-500)

Examples:
  sqs-jobs dlq redrive reports
  sqs-jobs dlq redrive reports --job build-report --reason "timed out" \\
    --max-per-second 50
  sqs-jobs dlq redrive reports-dlq --to reports-replay`,
  options: {
    to: { type: "string" },
    job: { type: "string" },
    reason: { type: "string" },
    "max-per-second": { type: "string" },
  },
  args: { min: 1, max: 1 },
  async run(ctx, [queue = ""], values) {
    const maxPerSecond = intOption(values, "max-per-second", { min: 1, max: 500 });
    const toName = stringOption(values, "to");
    const { dlq, sources } = await resolveDeadLetterPair(ctx.sqs, queue);
    const to = toName === undefined ? undefined : await resolveQueue(ctx.sqs, toName);
    const job = stringOption(values, "job");
    const reason = stringOption(values, "reason");
    const target = to?.name ?? sources.map((s) => s.name).join(", ");
    ctx.note(`redriving ${dlq.name} -> ${target}${job || reason ? " (filtered)" : ""}`);
    const result = await redrive(ctx.sqs, {
      dlq,
      sources,
      to,
      filter: job === undefined && reason === undefined ? undefined : { job, reason },
      maxPerSecond,
      onProgress: (p) => ctx.progress(describeProgress(p)),
    });
    ctx.clearProgress();
    if (result.fallbackReason !== undefined) {
      ctx.note(
        `note: the endpoint has no StartMessageMoveTask (${result.fallbackReason}); moved client-side instead`,
      );
    }
    for (const line of result.errors.slice(0, 20)) ctx.note(`warning: ${line}`);
    if (result.errors.length > 20)
      ctx.note(`warning: ... and ${plural(result.errors.length - 20, "more warning")}`);
    if (ctx.json) {
      ctx.out(JSON.stringify({ dlq: dlq.url, to: to?.url ?? sources.map((s) => s.url), ...result }, null, 2));
    } else {
      ctx.out(`${describeProgress(result)} (${result.mode}-side move)`);
    }
    return result.failed > 0 ? 1 : 0;
  },
};

function describeProgress(p: RedriveProgress): string {
  const parts = [`moved ${p.moved}${p.total === undefined ? "" : ` of ${p.total}`}`];
  if (p.skipped > 0) parts.push(`${p.skipped} left in the DLQ`);
  if (p.failed > 0) parts.push(`${p.failed} failed`);
  if ((p.returned ?? 0) > 0) parts.push(`${p.returned} failed again (back in the DLQ)`);
  return parts.join(", ");
}
