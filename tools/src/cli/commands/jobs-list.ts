import { queueNameOf } from "sqs-jobs/internal/core/queue-url";
import { JOB_STATUSES, type JobStatus } from "sqs-jobs/internal/ledger/job-state";
import { newestJobs } from "sqs-jobs/internal/ledger/newest-jobs";
import type { JobSummary } from "sqs-jobs/internal/ledger/stored-job";
import { type Command, intOption, stringOption } from "../command.ts";
import { readLedger, TABLE_HELP, TABLE_OPTION } from "../ledger-reader.ts";
import { formatAge, renderTable } from "../table.ts";
import { UsageError } from "../usage-error.ts";

export const jobsListCommand: Command = {
  name: "jobs list",
  summary: "a queue's latest tracked jobs and their status (job ledger)",
  help: `Usage: sqs-jobs jobs list --queue Q [--status S[,S...]] [--limit N] [--table T]

The jobs of queue Q that changed last, newest first, from the job ledger's list
index: one row per job with its id, job name, status (with the dead-letter
reason once dead), attempts started and how long ago it last changed.
Without --status every status is listed, merged: queued, running, retrying,
succeeded, dead, skipped and superseded (32 index queries per status and
queue). The index
is eventually consistent: a job that changed a moment ago may still show its
previous status (\`jobs get\` reads it exactly).

Options:
  --queue Q   the queue's name, URL or ARN (required)
  --status S  only jobs in these statuses, comma-separated: queued, running,
              retrying, succeeded, dead, skipped, superseded (default: all)
  --limit N   most jobs to show, 1-1000 (default 20)
${TABLE_HELP}
  --json      the jobs as JSON, with the time of their creation and last change

Examples:
  sqs-jobs jobs list --queue reports --table my-ledger
  sqs-jobs jobs list --queue reports --status dead,retrying --limit 100
  sqs-jobs jobs list --queue email.fifo --status running --json`,
  options: {
    ...TABLE_OPTION,
    queue: { type: "string" },
    status: { type: "string" },
    limit: { type: "string" },
  },
  args: { min: 0, max: 0 },
  async run(ctx, _positionals, values) {
    const queueArg = stringOption(values, "queue");
    if (queueArg === undefined || queueArg === "") {
      throw new UsageError("--queue is required: the name, URL or ARN of the queue whose jobs to list");
    }
    const statuses = parseStatuses(stringOption(values, "status"));
    const limit = intOption(values, "limit", { min: 1, max: 1000 }) ?? 20;
    const queue = queueNameOf(queueArg);
    const listed = await readLedger(ctx, values, async (ledger) => ({
      table: ledger.tableName,
      jobs: await newestJobs(ledger, [queue], statuses, limit),
    }));
    if (ctx.json) {
      ctx.out(JSON.stringify({ table: listed.table, queue, statuses, jobs: listed.jobs }, null, 2));
    } else if (listed.jobs.length === 0) {
      ctx.out(
        `no ${statuses.length === JOB_STATUSES.length ? "" : `${statuses.join(" or ")} `}jobs of ${queue} in the ledger`,
      );
    } else {
      const now = Date.now();
      for (const line of renderTable(
        COLUMNS,
        listed.jobs.map((job) => row(job, now)),
      ))
        ctx.out(line);
    }
    return 0;
  },
};

function parseStatuses(raw: string | undefined): JobStatus[] {
  if (raw === undefined) return [...JOB_STATUSES];
  const given = raw.split(",").map((s) => s.trim());
  const unknown = given.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new UsageError(
      `--status must be one or more of ${JOB_STATUSES.join(", ")} (comma-separated), but ${unknown.map((s) => `"${s.slice(0, 40)}"`).join(", ")} was given`,
    );
  }
  return [...new Set(given as JobStatus[])];
}

// Job ids (36 characters) are never cut, so they can be copied into `jobs get`; the job name
// gives way instead, and the dead-letter reason shares the status column to stay in 80 columns.
const COLUMNS = [
  { header: "JOB ID" },
  { header: "JOB", shrink: true, min: 7 },
  { header: "STATUS" },
  { header: "ATTEMPTS", right: true },
  { header: "UPDATED", right: true },
] as const;

function row(job: JobSummary, now: number): string[] {
  return [
    job.jobId,
    job.jobName,
    job.reason === undefined || job.status !== "dead" ? job.status : `dead/${job.reason}`,
    String(job.attempts),
    `${formatAge(Math.max(0, (now - job.updatedAt.getTime()) / 1000))} ago`,
  ];
}
