/**
 * A worker process for the pipeline scenarios, run as `node test/reliability/worker-child.ts`
 * (Node 24 strips the types). Reads QUEUE_URL, DLQ_URL, EVENTS_FILE and AWS_ENDPOINT_URL (the
 * fault proxy) from the environment. Appends `ok <i>` or `fail <i> <attempt>` per attempt to
 * EVENTS_FILE synchronously, so the record survives a SIGKILL.
 */
import { appendFileSync } from "node:fs";
import { handle, PermanentError, startWorker } from "../../src/index.ts";
import { behaviour, pipelineJob } from "./pipeline-job.ts";

const eventsFile = process.env.EVENTS_FILE ?? "";

const worker = startWorker({
  queueUrl: process.env.QUEUE_URL,
  dlqUrl: process.env.DLQ_URL,
  concurrency: Number(process.env.CONCURRENCY ?? 20),
  waitTimeSeconds: 1,
  visibilityTimeoutSeconds: 4,
  shutdownTimeoutMs: 5_000,
  logLevel: "silent",
  handlers: [
    handle(pipelineJob, async ({ i }, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 1 + (i % 4)));
      const kind = behaviour(i);
      const fail =
        kind === "fail-always" || kind === "permanent" || (kind === "fail-once" && ctx.attempt === 1);
      if (fail) {
        appendFileSync(eventsFile, `fail ${i} ${ctx.attempt}\n`);
        if (kind === "permanent") throw new PermanentError(`job ${i} can never succeed`);
        throw new Error(`job ${i} failed on attempt ${ctx.attempt}`);
      }
      appendFileSync(eventsFile, `ok ${i}\n`);
    }),
  ],
});

worker.done.then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`worker failed: ${String(error)}\n`);
    process.exit(1);
  },
);
