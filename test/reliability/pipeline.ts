import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { DLQ_ATTRIBUTES, JobClient, type SendBatchResult, SendError } from "../../src/index.ts";
import { createLedgerTableNamed } from "../helpers/ledger-table-named.ts";
import { drainQueue, queueDepth } from "../helpers/sqs.ts";
import { type FaultProxy, type FaultRates, startFaultProxy } from "./fault-proxy.ts";
import { checkLedger, formatLedgerAgreement, type LedgerAgreement } from "./ledger-agreement.ts";
import { expectedDeadLetter, pipelineJob } from "./pipeline-job.ts";

export interface PipelineScenario {
  readonly name: string;
  readonly jobs: number;
  readonly seed?: number;
  /** Faults on the producer's path (SendMessageBatch, and BatchWriteItem... with the ledger). */
  readonly producerRates: Readonly<Record<string, FaultRates>>;
  /** Faults on the worker's path (ReceiveMessage, DeleteMessageBatch..., UpdateItem... with the ledger). */
  readonly consumerRates: Readonly<Record<string, FaultRates>>;
  /**
   * Run with the job ledger: producer and worker record every job in a fresh table, their
   * DynamoDB calls going through the same fault proxies as their SQS calls, and the tally says
   * whether the ledger agrees with what happened. The endpoint must serve DynamoDB too.
   * @default false
   */
  readonly ledger?: boolean;
  /** The job's timeoutSeconds; with the ledger a killed run's job waits out its lease, this + 30 s. @default 5 */
  readonly jobTimeoutSeconds?: number;
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
  /**
   * Of those, runs of a job id that had already succeeded: redeliveries of one message, which
   * the ledger drops. The rest are second job ids for one job (the producer resent a send it
   * could not confirm), which no consumer can tell apart.
   */
  readonly duplicateRunsSameJobId: number;
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
  /** The last worker's exit code after its SIGTERM: 0 when it stopped polling and let go of all it held. */
  readonly workerExitCode: number | null;
  readonly emulatorRestarts: number;
  /** Faults injected on each side, and of those on the ledger's DynamoDB calls. */
  readonly injected: { readonly producer: number; readonly consumer: number; readonly ledger: number };
  /** Times the producer's sendBatch threw because it could not record the jobs in the ledger. */
  readonly producerLedgerFailures: number;
  /** With the ledger: whether its entries agree with what happened. */
  readonly ledgerAgreement: LedgerAgreement | undefined;
  readonly leftInQueue: number;
  readonly seconds: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface WorkerEvents {
  readonly ok: number[];
  readonly okJobIds: string[];
  readonly failed: Set<number>;
  readonly finishLost: Set<string>;
}

/** The worker's record: `ok <i> <jobId>`, `fail <i> <attempt> <jobId>` and `finish-lost <jobId>` lines. */
function readEvents(file: string): WorkerEvents {
  const events: WorkerEvents = { ok: [], okJobIds: [], failed: new Set(), finishLost: new Set() };
  if (!existsSync(file)) return events;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [kind, first, second] = line.split(" ");
    if (kind === "ok") {
      events.ok.push(Number(first));
      events.okJobIds.push(second ?? "");
    } else if (kind === "fail") events.failed.add(Number(first));
    else if (kind === "finish-lost") events.finishLost.add(first ?? "");
  }
  return events;
}

/**
 * One sendBatch, as a producer does it. A chunk whose ledger write failed comes back as failed
 * items (resent below with the others); should the whole call fail with nothing sent (SendError,
 * maybeSent false), the whole batch is tried again.
 */
async function sendRecorded(
  client: JobClient,
  payloads: { i: number }[],
): Promise<{ result: SendBatchResult; ledgerFailures: number }> {
  for (let ledgerFailures = 0; ; ledgerFailures++) {
    try {
      return { result: await client.sendBatch(pipelineJob, payloads), ledgerFailures };
    } catch (error) {
      if (!(error instanceof SendError) || error.maybeSent || ledgerFailures >= 5) throw error;
    }
  }
}

/** Faults injected by a proxy, on one service's calls or on all. */
function faults(p: FaultProxy, service?: "sqs" | "dynamodb"): number {
  return (
    p.total("throttle", service) +
    p.total("error500", service) +
    p.total("error503", service) +
    p.total("resetBefore", service) +
    p.total("resetAfter", service)
  );
}

/** Its exit code (null when a signal ended it). */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, "exit");
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
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

  const region = process.env.AWS_REGION ?? "us-east-1";
  const directDynamoDb = new DynamoDBClient({ endpoint: env.endpoint, region });
  const tableName = s.ledger === true ? `pipeline-ledger-${suffix}` : undefined;
  if (tableName !== undefined) await createLedgerTableNamed(directDynamoDb, tableName);
  const ledgerClients: DynamoDBClient[] = [];
  const ledgerVia = (endpoint: string) => {
    if (tableName === undefined) return false;
    // The SDK's default retry (3 attempts), as a caller that passes its own client gets.
    const dynamodb = new DynamoDBClient({ endpoint, region });
    ledgerClients.push(dynamodb);
    return { tableName, dynamodb };
  };

  // Producer: one sendBatch through faults; items it reports failed are sent again without faults.
  const producerProxy = await startFaultProxy({
    target: env.endpoint,
    seed: s.seed ?? 3,
    rates: s.producerRates,
  });
  const viaProducerProxy = new SQSClient({ endpoint: producerProxy.endpoint, useQueueUrlAsEndpoint: false });
  const payloads = Array.from({ length: s.jobs }, (_, i) => ({ i }));
  const { result: sent, ledgerFailures: producerLedgerFailures } = await sendRecorded(
    new JobClient({ queueUrl, sqs: viaProducerProxy, ledger: ledgerVia(producerProxy.endpoint) }),
    payloads,
  );
  await producerProxy.close();
  viaProducerProxy.destroy();
  const resend = sent.items.filter((item) => !item.ok).map((item) => ({ i: item.index }));
  const reportedSent = new Set(sent.items.filter((item) => item.ok).map((item) => item.jobId));
  if (resend.length > 0) {
    const resent = await new JobClient({ queueUrl, sqs: direct, ledger: ledgerVia(env.endpoint) }).sendBatch(
      pipelineJob,
      resend,
    );
    for (const item of resent.items) if (item.ok) reportedSent.add(item.jobId);
  }
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
  const workerLog =
    process.env.PIPELINE_WORKER_LOG === undefined
      ? undefined
      : openSync(process.env.PIPELINE_WORKER_LOG, "a");
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
        JOB_TIMEOUT_SECONDS: String(s.jobTimeoutSeconds ?? 5),
        ...(tableName === undefined ? {} : { LEDGER_TABLE: tableName }),
      },
      // PIPELINE_WORKER_LOG=<file> SQS_JOBS_LOG_LEVEL=debug keeps every worker's JSON log, to debug a run.
      stdio: ["ignore", workerLog ?? "ignore", "inherit"],
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
  const workerExitCode = await stopChild(worker, "SIGTERM");
  if (workerLog !== undefined) closeSync(workerLog);
  await consumerProxy.close();

  const events = readEvents(eventsFile);
  rmSync(dir, { recursive: true, force: true });
  const dlq = await drainQueue(direct, dlqUrl, { quietMs: 1_500 });
  const dlqCopies = new Map<number, number>();
  const deadJobIds = new Map<string, string | undefined>();
  let misplaced = 0;
  let deadLetteredWithoutReason = 0;
  for (const m of dlq) {
    const envelope = decodeEnvelope(m.Body ?? "");
    const i = (envelope.payload as { i: number }).i;
    dlqCopies.set(i, (dlqCopies.get(i) ?? 0) + 1);
    const reason = m.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue;
    deadJobIds.set(envelope.id ?? "", reason);
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
  const ledgerAgreement =
    tableName === undefined
      ? undefined
      : await checkLedger(directDynamoDb, tableName, {
          succeeded: new Set(events.okJobIds),
          deadLettered: deadJobIds,
          reportedSent,
          finishLost: events.finishLost,
        });
  for (const client of [directDynamoDb, ...ledgerClients]) client.destroy();
  return {
    scenario: s.name,
    sent: s.jobs,
    succeeded: succeeded.size,
    retried: events.failed.size,
    deadLettered: dlqCopies.size,
    duplicateRuns: events.ok.length - succeeded.size,
    duplicateRunsSameJobId: events.okJobIds.length - new Set(events.okJobIds).size,
    duplicateDeadLetters: dlq.length - dlqCopies.size,
    producerPossibleDuplicates,
    lost,
    misplaced,
    deadLetteredWithoutReason,
    workerStarts,
    workerExitCode,
    emulatorRestarts,
    injected: {
      producer: faults(producerProxy),
      consumer: faults(consumerProxy),
      ledger: faults(producerProxy, "dynamodb") + faults(consumerProxy, "dynamodb"),
    },
    producerLedgerFailures,
    ledgerAgreement,
    leftInQueue,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

export function formatPipelineTally(t: PipelineTally): string {
  const ledger =
    t.ledgerAgreement === undefined
      ? ""
      : `; ${formatLedgerAgreement(t.ledgerAgreement)}, producer ledger failures=${t.producerLedgerFailures}`;
  return `[pipeline] ${t.scenario}: sent=${t.sent} succeeded=${t.succeeded} retried=${t.retried} dead-lettered=${t.deadLettered} duplicated(runs)=${t.duplicateRuns} (same job id=${t.duplicateRunsSameJobId}) duplicated(dlq copies)=${t.duplicateDeadLetters} producer-possible-duplicates=${t.producerPossibleDuplicates} lost=${t.lost} misplaced=${t.misplaced} dlq-without-reason=${t.deadLetteredWithoutReason} left-in-queue=${t.leftInQueue} (worker starts=${t.workerStarts}, emulator restarts=${t.emulatorRestarts}, faults injected: producer=${t.injected.producer} consumer=${t.injected.consumer} of which ledger=${t.injected.ledger}; ${t.seconds}s)${ledger}`;
}
