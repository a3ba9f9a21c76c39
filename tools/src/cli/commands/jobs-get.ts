import type { StoredJob } from "sqs-jobs/internal/ledger/stored-job";
import type { Command } from "../command.ts";
import { readLedger, TABLE_HELP, TABLE_OPTION } from "../ledger-reader.ts";
import { formatAge, TABLE_WIDTH, wrapText } from "../table.ts";

export const jobsGetCommand: Command = {
  name: "jobs get",
  summary: "one job's status, attempts, result or failure (job ledger)",
  help: `Usage: sqs-jobs jobs get <jobId> [--table T]

Reads the job's entry in the job ledger (a consistent read): its status
(queued, running, retrying, succeeded, dead, skipped, superseded), job name,
queue, runs started, when it was created, last changed, last started and
finished, while running when its run's lease ends (STALLED once it has ended:
the run died or could not record its end), until when its rate limit holds it
on the queue (throttled), its result once it succeeded, and its last failure
(the dead-letter reason once dead). The result is cut to one line and the
error to three; --json prints them whole.

Exits 1 when the ledger has no entry for the id: the job was sent without a
ledger, or its entry expired (by default entries are kept 14 days after their
last change).

Options:
${TABLE_HELP}
  --json      the whole entry as JSON, the result parsed

Examples:
  sqs-jobs jobs get 019ab1c2-7d2e-7c1a-9f0e-1b2c3d4e5f60 --table my-ledger
  export SQS_JOBS_LEDGER_TABLE=my-ledger
  sqs-jobs jobs get 019ab1c2-7d2e-7c1a-9f0e-1b2c3d4e5f60 --json`,
  options: { ...TABLE_OPTION },
  args: { min: 1, max: 1 },
  async run(ctx, [jobId = ""], values) {
    const found = await readLedger(ctx, values, async (ledger) => ({
      table: ledger.tableName,
      job: await ledger.get(jobId),
    }));
    if (found.job === undefined) {
      ctx.note(
        `error: the ledger (table ${found.table}) has no entry for job ${jobId}: it was sent without the ledger, or its entry expired`,
      );
      return 1;
    }
    if (ctx.json) ctx.out(JSON.stringify(asJson(found.job), null, 2));
    else for (const line of describe(found.job)) ctx.out(line);
    return 0;
  },
};

function asJson(stored: StoredJob) {
  const { resultJson, result: _none, ...state } = stored;
  return { ...state, result: resultJson === undefined ? undefined : JSON.parse(resultJson) };
}

const LABEL_WIDTH = 10;

function describe(job: StoredJob): string[] {
  let cut = false;
  const line = (label: string, value: string): string => {
    const room = TABLE_WIDTH - LABEL_WIDTH;
    const flat = value.replace(/\s+/g, " ");
    if (flat.length > room) cut = true;
    return `${label.padEnd(LABEL_WIDTH)}${flat.length > room ? `${flat.slice(0, room - 1)}…` : flat}`;
  };
  const lines = [
    line("job id", job.jobId),
    line("job name", job.jobName),
    line("queue", job.queue),
    line("status", job.status),
    line("attempts", String(job.attempts)),
    line("created", when(job.createdAt)),
    line("updated", when(job.updatedAt)),
  ];
  if (job.startedAt !== undefined) lines.push(line("started", when(job.startedAt)));
  if (job.finishedAt !== undefined) lines.push(line("finished", when(job.finishedAt)));
  if (job.status === "running" && job.leaseEndsAt !== undefined)
    lines.push(line("lease", lease(job.leaseEndsAt)));
  if (job.throttledUntil !== undefined) lines.push(line("throttled", `until ${when(job.throttledUntil)}`));
  if (job.resultJson !== undefined) lines.push(line("result", job.resultJson));
  const f = job.failure;
  if (f !== undefined) {
    if (f.reason !== undefined) lines.push(line("reason", f.reason));
    const error = `${f.name}${f.code === undefined ? "" : ` (${f.code})`}: ${f.message.replace(/\s+/g, " ")}`;
    // The error says why the job failed, so it gets three lines where the result gets one.
    const wrapped = wrapText(error, TABLE_WIDTH - LABEL_WIDTH, 3);
    if (wrapped.at(-1)?.endsWith("…") === true) cut = true;
    wrapped.forEach((text, i) => {
      lines.push(`${(i === 0 ? "error" : "").padEnd(LABEL_WIDTH)}${text}`);
    });
  }
  if (cut) lines.push("(shortened to fit; --json prints every field whole)");
  return lines;
}

/** When a running job's lease ends, or that it ended: the run died or could not record its end. */
function lease(endsAt: Date): string {
  const seconds = (endsAt.getTime() - Date.now()) / 1000;
  if (seconds >= 0) return `ends ${endsAt.toISOString()} (in ${formatAge(seconds)})`;
  return `STALLED since ${endsAt.toISOString()} (${formatAge(-seconds)} ago)`;
}

/** An instant and how long ago it was: "2026-11-30T12:00:00.000Z (3m ago)". */
function when(date: Date): string {
  const seconds = Math.max(0, (Date.now() - date.getTime()) / 1000);
  return `${date.toISOString()} (${formatAge(seconds)} ago)`;
}
