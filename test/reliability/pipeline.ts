import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { DLQ_ATTRIBUTES, JobClient } from "../../src/index.ts";
import { drainQueue, queueDepth } from "../helpers/sqs.ts";
import { type FaultRates, startFaultProxy } from "./fault-proxy.ts";
import { expectedDeadLetter, pipelineJob } from "./pipeline-job.ts";

export interface PipelineScenario {
  readonly name: string;
  readonly jobs: number;
  readonly seed?: number;
  /** Faults on the producer's path (SendMessageBatch...). */
  readonly producerRates: Readonly<Record<string, FaultRates>>;
  /** Faults on the worker's path (ReceiveMessage, DeleteMessageBatch, ChangeMessageVisibility...). */
  readonly consumerRates: Readonly<Record<string, FaultRates>>;
  /** SIGKILL the worker and start a new one after these fractions of the jobs succeeded. */
  readonly killWorkerAt?: readonly number[];
  /** Restart the emulator after these fractions of the jobs succeeded. */
  readonly restartEmulatorAt?: readonly number[];
  readonly workerConcurrency?: number;
  /** Give up waiting for the queue to empty after this long. @default 120000 */
  readonly timeoutMs?: number;
}

export interface PipelineEnvironment {
  /** The SQS endpoint (fauxqs) the scenario's queues live on. */
  readonly endpoint: string;
  /** Restarts that emulator with its state kept; required when the scenario restarts it. */
  readonly restartEmulator?: () => Promise<void>;
}

/** What a pipeline run proved; `lost`, `misplaced` and `deadLetteredWithoutReason` must be 0. */
export interface PipelineTally {
  readonly scenario: string;
  readonly sent: number;
  /** Jobs that succeeded at least once. */
  readonly succeeded: number;
  /** Jobs that failed at least one attempt (retried or dead-lettered). */
  readonly retried: number;
  /** Distinct jobs in the DLQ. */
  readonly deadLettered: number;
  /** Successful runs beyond the first, summed over jobs (at-least-once at work). */
  readonly duplicateRuns: number;
  /** DLQ copies beyond the first per job. */
  readonly duplicateDeadLetters: number;
  /** Jobs the producer flagged possibleDuplicate. */
  readonly producerPossibleDuplicates: number;
  /** Jobs neither succeeded nor dead-lettered. */
  readonly lost: number;
  /** Jobs dead-lettered that should have succeeded, or the reverse, or with the wrong reason. */
  readonly misplaced: number;
  /** DLQ messages without the sqs-jobs reason (the RedrivePolicy safety net acted). */
  readonly deadLetteredWithoutReason: number;
  readonly workerStarts: number;
  readonly emulatorRestarts: number;
  readonly injected: { readonly producer: number; readonly consumer: number };
  readonly leftInQueue: number;
  readonly seconds: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function readEvents(file: string): { ok: number[]; failed: Set<number> } {
  const ok: number[] = [];
  const failed = new Set<number>();
  if (!existsSync(file)) return { ok, failed };
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [kind, i] = line.split(" ");
    if (kind === "ok") ok.push(Number(i));
    else if (kind === "fail") failed.add(Number(i));
  }
  return { ok, failed };
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

/**
 * Producer and worker under faults: one sendBatch through a fault proxy, then a worker child
 * process reading through a second fault proxy, killed with SIGKILL and restarted, with the
 * emulator restarted under it, until the queue is empty. Then every job is looked for among the
 * successes the worker recorded and in the DLQ.
 */
export async function runPipeline(env: PipelineEnvironment, s: PipelineScenario): Promise<PipelineTally> {
  const started = Date.now();
  const direct = new SQSClient({ endpoint: env.endpoint, useQueueUrlAsEndpoint: false });
  const suffix = Math.random().toString(36).slice(2, 10);
  const dlqUrl = (await direct.send(new CreateQueueCommand({ QueueName: `pipeline-dlq-${suffix}` })))
    .QueueUrl as string;
  const dlqArn = (
    await direct.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }))
  ).Attributes?.QueueArn as string;
  const queueUrl = (
    await direct.send(
      new CreateQueueCommand({
        QueueName: `pipeline-${suffix}`,
        Attributes: {
          VisibilityTimeout: "4",
          // The safety net: far above maxAttempts (3), so it acts only if sqs-jobs could not.
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 10 }),
        },
      }),
    )
  ).QueueUrl as string;

  // Producer: one sendBatch through faults; items it reports failed are sent again without faults.
  const producerProxy = await startFaultProxy({
    target: env.endpoint,
    seed: s.seed ?? 3,
    rates: s.producerRates,
  });
  const viaProducerProxy = new SQSClient({ endpoint: producerProxy.endpoint, useQueueUrlAsEndpoint: false });
  const payloads = Array.from({ length: s.jobs }, (_, i) => ({ i }));
  const sent = await new JobClient({ queueUrl, sqs: viaProducerProxy }).sendBatch(pipelineJob, payloads);
  await producerProxy.close();
  viaProducerProxy.destroy();
  const resend = sent.items.filter((item) => !item.ok).map((item) => ({ i: item.index }));
  if (resend.length > 0) await new JobClient({ queueUrl, sqs: direct }).sendBatch(pipelineJob, resend);
  const producerPossibleDuplicates = sent.items.filter((item) => item.possibleDuplicate).length;

  // Consumer: a worker process behind its own fault proxy.
  const consumerProxy = await startFaultProxy({
    target: env.endpoint,
    seed: (s.seed ?? 3) + 1,
    rates: s.consumerRates,
  });
  const dir = mkdtempSync(join(tmpdir(), "sqs-jobs-pipeline-"));
  const eventsFile = join(dir, "events.txt");
  let workerStarts = 0;
  const startWorkerChild = (): ChildProcess => {
    workerStarts++;
    return spawn(process.execPath, ["test/reliability/fixtures/worker-child.ts"], {
      env: {
        ...process.env,
        QUEUE_URL: queueUrl,
        DLQ_URL: dlqUrl,
        EVENTS_FILE: eventsFile,
        AWS_ENDPOINT_URL: consumerProxy.endpoint,
        CONCURRENCY: String(s.workerConcurrency ?? 20),
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
  };

  let worker = startWorkerChild();
  const kills = [...(s.killWorkerAt ?? [])].sort((a, b) => a - b);
  const restarts = [...(s.restartEmulatorAt ?? [])].sort((a, b) => a - b);
  let emulatorRestarts = 0;
  const deadline = Date.now() + (s.timeoutMs ?? 120_000);
  let quietSince: number | undefined;
  let leftInQueue = 0;
  while (Date.now() < deadline) {
    await sleep(200);
    const unique = new Set(readEvents(eventsFile).ok).size;
    const done = unique / s.jobs;
    if (kills.length > 0 && done >= (kills[0] as number)) {
      kills.shift();
      await stopChild(worker, "SIGKILL");
      worker = startWorkerChild();
    }
    if (restarts.length > 0 && done >= (restarts[0] as number)) {
      restarts.shift();
      if (env.restartEmulator === undefined) throw new Error("this scenario needs restartEmulator");
      await env.restartEmulator();
      emulatorRestarts++;
    }
    if (kills.length > 0 || restarts.length > 0) continue;
    const depth = await queueDepth(direct, queueUrl).catch(() => undefined);
    if (depth === undefined) continue;
    leftInQueue = depth.visible + depth.inFlight + depth.delayed;
    // Empty for a few seconds: no retry is pending and nothing is on its way back.
    if (leftInQueue > 0) quietSince = undefined;
    else if (quietSince === undefined) quietSince = Date.now();
    else if (Date.now() - quietSince > 1_500) break;
  }
  await stopChild(worker, "SIGTERM");
  await consumerProxy.close();

  const events = readEvents(eventsFile);
  rmSync(dir, { recursive: true, force: true });
  const dlq = await drainQueue(direct, dlqUrl, { quietMs: 1_500 });
  const dlqCopies = new Map<number, number>();
  let misplaced = 0;
  let deadLetteredWithoutReason = 0;
  for (const m of dlq) {
    const i = (decodeEnvelope(m.Body ?? "").payload as { i: number }).i;
    dlqCopies.set(i, (dlqCopies.get(i) ?? 0) + 1);
    const reason = m.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue;
    if (reason === undefined) deadLetteredWithoutReason++;
    else if (reason !== expectedDeadLetter(i)) misplaced++;
  }
  const succeeded = new Set(events.ok);
  let lost = 0;
  for (let i = 0; i < s.jobs; i++) {
    const expected = expectedDeadLetter(i);
    if (!succeeded.has(i) && !dlqCopies.has(i)) lost++;
    else if (expected === undefined ? !succeeded.has(i) : !dlqCopies.has(i) || succeeded.has(i)) misplaced++;
  }
  direct.destroy();
  const faults = (p: typeof consumerProxy) =>
    p.total("throttle") +
    p.total("error500") +
    p.total("error503") +
    p.total("resetBefore") +
    p.total("resetAfter");
  return {
    scenario: s.name,
    sent: s.jobs,
    succeeded: succeeded.size,
    retried: events.failed.size,
    deadLettered: dlqCopies.size,
    duplicateRuns: events.ok.length - succeeded.size,
    duplicateDeadLetters: dlq.length - dlqCopies.size,
    producerPossibleDuplicates,
    lost,
    misplaced,
    deadLetteredWithoutReason,
    workerStarts,
    emulatorRestarts,
    injected: { producer: faults(producerProxy), consumer: faults(consumerProxy) },
    leftInQueue,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

export function formatPipelineTally(t: PipelineTally): string {
  return `[pipeline] ${t.scenario}: sent=${t.sent} succeeded=${t.succeeded} retried=${t.retried} dead-lettered=${t.deadLettered} duplicated(runs)=${t.duplicateRuns} duplicated(dlq copies)=${t.duplicateDeadLetters} producer-possible-duplicates=${t.producerPossibleDuplicates} lost=${t.lost} misplaced=${t.misplaced} dlq-without-reason=${t.deadLetteredWithoutReason} left-in-queue=${t.leftInQueue} (worker starts=${t.workerStarts}, emulator restarts=${t.emulatorRestarts}, faults injected: producer=${t.injected.producer} consumer=${t.injected.consumer}; ${t.seconds}s)`;
}
