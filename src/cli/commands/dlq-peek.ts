import type { DeadLetterRecord } from "../../ops/dead-letter-record.ts";
import { peekDeadLetters } from "../../ops/peek.ts";
import { resolveDeadLetterPair } from "../../ops/queue-ref.ts";
import { depthOf } from "../../ops/stats.ts";
import { type Command, intOption } from "../command.ts";
import { wrapText } from "../table.ts";

export const dlqPeekCommand: Command = {
  name: "dlq peek",
  summary: "show dead-lettered jobs and why they died (consumes nothing)",
  help: `Usage: sqs-jobs dlq peek <queue> [--limit N]

<queue> is a source queue (its DLQ comes from its RedrivePolicy) or the DLQ
itself. Shows each dead-lettered job: name, job id, why it was dead-lettered
(poison, permanent, exhausted, id-collision), the error, the attempts made and
when the last one failed, as the sqs-jobs consumer recorded them. Messages that SQS's own
RedrivePolicy moved (a crash, a timeout) carry no reason and show as "moved by
SQS".

Nothing is consumed: messages are hidden while the peek reads them and made
visible again as soon as it is done (after 10 s at most if it is killed). It
reads at most what the DLQ held when it started. SQS still counts each peek as a
receive and cannot un-count it: --json shows ApproximateReceiveCount as it was
before this peek (earlier reads included); attempts are the consumer's count, which
reads never change, and a redrive starts the job again at 0 receives. On a FIFO DLQ
only the first messages of each message group can be seen.

Options:
  --limit N   most messages to show, 1-1000 (default 10)
  --json      full records: body, attributes, message attributes

Examples:
  sqs-jobs dlq peek reports
  sqs-jobs dlq peek reports-dlq --limit 50 --json`,
  options: { limit: { type: "string" } },
  args: { min: 1, max: 1 },
  async run(ctx, [queue = ""], values) {
    const limit = intOption(values, "limit", { min: 1, max: 1000 }) ?? 10;
    const { dlq } = await resolveDeadLetterPair(ctx.sqs, queue);
    const records = await peekDeadLetters(ctx.sqs, dlq.url, {
      limit,
      onProgress: (seen) => {
        if (seen > 10) ctx.progress(`read ${seen} messages...`);
      },
    });
    if (ctx.json) {
      ctx.out(JSON.stringify({ dlq: { name: dlq.name, url: dlq.url }, records }, null, 2));
      return 0;
    }
    const depth = depthOf(dlq);
    const about = depth.visible + depth.inFlight;
    ctx.out(
      `${dlq.name}: about ${about} dead-lettered message${about === 1 ? "" : "s"}, showing ${records.length}`,
    );
    for (const record of records) for (const line of describe(record)) ctx.out(line);
    return 0;
  },
};

const WIDTH = 80;

function describe(r: DeadLetterRecord): string[] {
  const why =
    r.reason === undefined
      ? "moved by SQS (no sqs-jobs reason: crash, timeout or maxReceiveCount)"
      : [
          r.reason,
          r.attempts === undefined ? undefined : `${r.attempts} attempt${r.attempts === 1 ? "" : "s"}`,
          r.lastFailureAt === undefined ? undefined : `last ${r.lastFailureAt}`,
        ]
          .filter((part) => part !== undefined)
          .join(", ");
  const lines = ["", `${r.job ?? "(no job name)"}  ${r.jobId ?? r.messageId}`, `  ${why}`];
  if (r.errorName !== undefined || r.errorMessage !== undefined) {
    const text = `${r.errorName ?? "Error"}: ${(r.errorMessage ?? "").replace(/\s+/g, " ")}`;
    lines.push(...wrapText(text, WIDTH - 4, 3).map((l) => `    ${l}`));
  }
  return lines;
}
