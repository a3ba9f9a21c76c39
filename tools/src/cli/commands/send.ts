import { readFile } from "node:fs/promises";
import { formatPath, ValidationError } from "sqs-jobs/internal/core/errors";
import { resolveQueue } from "sqs-jobs/internal/ops/queue-ref";
import { JobClient } from "sqs-jobs/internal/producer/job-client";
import { type Command, intOption, stringOption } from "../command.ts";
import { loadJob, untypedJob } from "../jobs-module.ts";
import { UsageError } from "../usage-error.ts";

export const sendCommand: Command = {
  name: "send",
  summary: "send one job, validated against its schema with --jobs",
  help: `Usage: sqs-jobs send <queue> <job> --payload JSON|@file [--jobs MODULE] [...]

Wraps the payload in the sqs-jobs envelope (job name, a fresh job id, the time)
and sends it. With --jobs, the module is imported and the payload is checked
against the schema of the exported job called <job> first; nothing is sent if it
fails. Without --jobs the payload is sent unchecked (a warning says so): a
consumer that rejects it dead-letters it.

Options:
  --payload JSON|@file  the payload as JSON, or @path of a JSON file (required)
  --jobs PATH           a module exporting defineJob() results (.ts is fine)
  --delay N             seconds before the job is visible, 0-900 (not FIFO)
  --group-id G          FIFO message group (else the job's fifo.groupId)
  --dedup-id D          FIFO deduplication id (else a hash of job and payload)

Examples:
  # the example app (npm start): handlers/jobs.ts, queues reports and email.fifo
  sqs-jobs send reports build-report --jobs handlers/jobs.ts \\
    --payload '{"inputKey":"inputs/hello.txt"}'
  sqs-jobs send email.fifo send-email --jobs handlers/jobs.ts \\
    --payload '{"to":"ana@example.com","subject":"hi","body":"hello"}'
  sqs-jobs send email.fifo send-email --jobs handlers/jobs.ts \\
    --payload @email.json
  sqs-jobs send reports build-report --jobs handlers/jobs.ts \\
    --payload '{"inputKey":"inputs/later.txt"}' --delay 60`,
  options: {
    payload: { type: "string" },
    jobs: { type: "string" },
    delay: { type: "string" },
    "group-id": { type: "string" },
    "dedup-id": { type: "string" },
  },
  args: { min: 2, max: 2 },
  async run(ctx, [queue = "", jobName = ""], values) {
    const payload = await readPayload(stringOption(values, "payload"));
    const delaySeconds = intOption(values, "delay", { min: 0, max: 900 });
    const modulePath = stringOption(values, "jobs");
    const job = modulePath === undefined ? untypedJob(jobName) : await loadJob(modulePath, jobName);
    const ref = await resolveQueue(ctx.sqs, queue);
    if (modulePath === undefined) {
      ctx.note(
        `warning: no --jobs module given, so the payload of "${jobName}" is sent without schema validation`,
      );
    }
    const client = new JobClient({ queueUrl: ref.url, sqs: ctx.sqs });
    try {
      const result = await client.send(job, payload, {
        delaySeconds,
        groupId: stringOption(values, "group-id"),
        dedupId: stringOption(values, "dedup-id"),
      });
      if (ctx.json) ctx.out(JSON.stringify({ queueUrl: ref.url, jobName: job.name, ...result }));
      else ctx.out(`sent ${job.name} job ${result.jobId} to ${ref.name} (message ${result.messageId})`);
      return 0;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      ctx.note(`error: payload for job "${job.name}" is invalid; nothing was sent:`);
      for (const issue of error.issues) ctx.note(`  ${formatPath(issue.path)}: ${issue.message}`);
      return 1;
    }
  },
};

async function readPayload(raw: string | undefined): Promise<unknown> {
  if (raw === undefined)
    throw new UsageError("--payload is required (JSON such as '{\"id\":1}', or @file.json)");
  let text = raw;
  if (raw.startsWith("@")) {
    try {
      text = await readFile(raw.slice(1), "utf8");
    } catch (cause) {
      throw new UsageError(
        `cannot read the payload file ${raw.slice(1)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new UsageError(
      `--payload is not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`,
    );
  }
}
