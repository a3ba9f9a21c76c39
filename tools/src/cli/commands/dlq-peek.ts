import { optionalEnv } from "sqs-jobs/internal/core/env";
import { mapLimit } from "sqs-jobs/internal/core/map-limit";
import { plural } from "sqs-jobs/internal/core/plural";
import { LEDGER_TABLE_ENV } from "sqs-jobs/internal/ledger/table-layout";
import type { DeadLetterRecord } from "sqs-jobs/internal/ops/dead-letter-record";
import { peekDeadLetters } from "sqs-jobs/internal/ops/peek";
import { resolveDeadLetterPair } from "sqs-jobs/internal/ops/queue-ref";
import { depthOf } from "sqs-jobs/internal/ops/stats";
import { type WithStoredBody, withStoredBodies } from "sqs-jobs/internal/ops/stored-payloads";
import { type Command, intOption, type OptionValues, stringOption } from "../command.ts";
import type { CliContext } from "../context.ts";
import { readLedger, TABLE_HELP, TABLE_OPTION } from "../ledger-reader.ts";
import { wrapText } from "../table.ts";

/** A peeked record; `reasonFrom: "ledger"` when its reason was read from the job ledger. */
type PeekedRecord = DeadLetterRecord & { readonly reasonFrom?: "ledger" };

export const dlqPeekCommand: Command = {
  name: "dlq peek",
  summary: "show dead-lettered jobs and why they died (consumes nothing)",
  help: `Usage: sqs-jobs dlq peek <queue> [--limit N] [--table T]

<queue> is a source queue (its DLQ comes from its RedrivePolicy) or the DLQ
itself. Shows each dead-lettered job: name, job id, why it was dead-lettered
(poison, permanent, exhausted, id-collision), the error, the attempts made and
when the last one failed, as the sqs-jobs consumer recorded them. Messages that
SQS's own RedrivePolicy moved (a crash, a timeout, a job too large to carry its
reason) carry no reason and show as "moved by SQS"; with the job ledger's table
(--table or SQS_JOBS_LEDGER_TABLE) their reason and error are read from the
ledger.

Nothing is consumed: messages are hidden while the peek reads them and made
visible again as soon as it is done (after 10 s at most if it is killed). It
reads at most what the DLQ held when it started. SQS still counts each peek as a
receive and cannot un-count it: --json shows ApproximateReceiveCount as it was
before this peek (earlier reads included); attempts are the consumer's count,
which reads never change, and a redrive starts the job again at 0 receives. On a
FIFO DLQ only the first messages of each message group can be seen.

Options:
  --limit N   most messages to show, 1-1000 (default 10)
${TABLE_HELP}
  --json      full records: body, attributes, message attributes
  --payloads  for jobs sent through S3 (docs/payloads.md), read each pointer's
              object: --json shows it as storedBody, else its size is shown

Examples:
  sqs-jobs dlq peek reports
  sqs-jobs dlq peek reports-dlq --limit 50 --json`,
  options: { limit: { type: "string" }, payloads: { type: "boolean" }, ...TABLE_OPTION },
  args: { min: 1, max: 1 },
  async run(ctx, [queue = ""], values) {
    const limit = intOption(values, "limit", { min: 1, max: 1000 }) ?? 10;
    const { dlq } = await resolveDeadLetterPair(ctx.sqs, queue);
    const peeked = await peekDeadLetters(ctx.sqs, dlq.url, {
      limit,
      onProgress: (seen) => {
        if (seen > 10) ctx.progress(`read ${plural(seen, "message")}...`);
      },
    });
    const reasoned = await withLedgerReasons(ctx, values, peeked);
    const records = values.payloads === true ? await withStoredBodies(reasoned, ctx.target) : reasoned;
    if (ctx.json) {
      ctx.out(JSON.stringify({ dlq: { name: dlq.name, url: dlq.url }, records }, null, 2));
      return 0;
    }
    const depth = depthOf(dlq);
    const about = depth.visible + depth.inFlight;
    ctx.out(`${dlq.name}: about ${plural(about, "dead-lettered message")}, showing ${records.length}`);
    for (const record of records) for (const line of describe(record)) ctx.out(line);
    return 0;
  },
};

const WIDTH = 80;
/** Ledger reads in flight at once when a peek looks up reasons. */
const LEDGER_READS_AT_ONCE = 8;

/**
 * Records SQS's redrive policy moved carry no reason; a dead job's entry in the ledger may hold
 * it (a job too large to carry its reason to the DLQ). Read only when a table is named.
 */
async function withLedgerReasons(
  ctx: CliContext,
  values: OptionValues,
  records: readonly DeadLetterRecord[],
): Promise<PeekedRecord[]> {
  const table = stringOption(values, "table") ?? optionalEnv(LEDGER_TABLE_ENV);
  if (table === undefined || table === "" || records.every((r) => r.reason !== undefined))
    return [...records];
  // A peek shows up to 1,000 records: their reads go a few at a time, not as one burst.
  return readLedger(ctx, values, (ledger) =>
    mapLimit(records, LEDGER_READS_AT_ONCE, async (r): Promise<PeekedRecord> => {
      if (r.reason !== undefined || r.jobId === undefined) return r;
      const stored = await ledger.get(r.jobId);
      if (stored?.status !== "dead" || stored.failure?.reason === undefined) return r;
      const { failure } = stored;
      return {
        ...r,
        reason: failure.reason,
        reasonFrom: "ledger",
        errorName: failure.name,
        errorMessage: failure.message,
        attempts: stored.attempts,
      };
    }),
  );
}

function describe(r: WithStoredBody<PeekedRecord>): string[] {
  const why =
    r.reason === undefined
      ? "moved by SQS (no sqs-jobs reason: crash, timeout or maxReceiveCount)"
      : [
          r.reasonFrom === "ledger" ? `${r.reason} (from the job ledger: moved by SQS)` : r.reason,
          r.attempts === undefined ? undefined : plural(r.attempts, "attempt"),
          r.lastFailureAt === undefined ? undefined : `last ${r.lastFailureAt}`,
        ]
          .filter((part) => part !== undefined)
          .join(", ");
  const lines = ["", `${r.jobName ?? "(no job name)"}  ${r.jobId ?? r.messageId}`, `  ${why}`];
  if (r.errorName !== undefined || r.errorMessage !== undefined) {
    const text = `${r.errorName ?? "Error"}: ${(r.errorMessage ?? "").replace(/\s+/g, " ")}`;
    lines.push(...wrapText(text, WIDTH - 4, 3).map((l) => `    ${l}`));
  }
  const pointer = r.payloadPointer;
  if (pointer !== undefined) {
    const read =
      r.storedBody !== undefined
        ? `: ${plural(Buffer.byteLength(r.storedBody, "utf8"), "byte")}`
        : r.storedBodyError === undefined
          ? ""
          : `: ${r.storedBodyError}`;
    lines.push(`  payload in s3://${pointer.bucket}/${pointer.key}${read}`);
  }
  return lines;
}
