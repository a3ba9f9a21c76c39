import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { describeAwsError, queueMissingOr } from "../core/aws-errors.ts";
import { ENV, requireEnv } from "../core/env.ts";
import { ConfigError } from "../core/errors.ts";
import { createSqsClient } from "../core/sqs-client.ts";
import { lazySqs, type SqsConnect } from "../core/sqs-connect.ts";
import { BatchCore, type Settlement } from "./batch-core.ts";
import { DeleteBuffer } from "./delete-buffer.ts";
import type { JobHandler } from "./handle.ts";
import type { ConsumerHooks } from "./hooks.ts";
import type { SqsMessageAttribute, SqsRecord, SqsRecordAttributes } from "./lambda-types.ts";
import { type LevelLogger, type Logger, type LogLevel, resolveLogger } from "./logger.ts";
import { DeadLetterQueues, isFifoQueue } from "./queues.ts";
import { setVisibility } from "./visibility.ts";

export interface WorkerOptions {
  /** @default `SQS_JOBS_QUEUE_URL` */
  readonly queueUrl?: string;
  readonly handlers: readonly JobHandler[];
  /** Jobs running at once. One receive is in flight per `batchSize` of it. @default 10 */
  readonly concurrency?: number;
  /** Messages asked for per ReceiveMessage, 1 to 10. @default 10 */
  readonly batchSize?: number;
  /** Long-polling wait per receive, 0 to 20 seconds. @default 20 */
  readonly waitTimeSeconds?: number;
  /**
   * Visibility timeout set on receive; the worker extends it while a job runs (heartbeat at half
   * of it). @default the queue's VisibilityTimeout
   */
  readonly visibilityTimeoutSeconds?: number;
  /** On stop, how long running jobs may take to finish before their messages are released. @default 30000 */
  readonly shutdownTimeoutMs?: number;
  /** Stop gracefully on SIGTERM and SIGINT. @default true */
  readonly handleSignals?: boolean;
  /** @default a client from the environment; honours AWS_ENDPOINT_URL(_SQS) */
  readonly sqs?: SQSClient;
  /** @default `SQS_JOBS_DLQ_URL`, else the queue's RedrivePolicy target (looked up once) */
  readonly dlqUrl?: string;
  /** @default one JSON line per entry on stdout */
  readonly logger?: Logger;
  /** @default `SQS_JOBS_LOG_LEVEL`, else "info" */
  readonly logLevel?: LogLevel;
  /** @default none */
  readonly hooks?: ConsumerHooks;
}

export interface Worker {
  readonly queueUrl: string;
  /**
   * Stops polling, lets running jobs finish (up to `shutdownTimeoutMs`), hands back the messages it
   * did not finish with visibility 0 and sends the pending deletes. Resolves like `done`.
   * A receive in flight is not cut off (a long poll abandoned by its client can still take
   * messages on the server and leave them locked); it ends within `waitTimeSeconds` and what it
   * brings is handed back at once.
   */
  stop(): Promise<void>;
  /** Resolves once the worker stopped cleanly; rejects if it could not start (e.g. no such queue). */
  readonly done: Promise<void>;
}

interface Held {
  readonly record: SqsRecord;
  extendedAt: number;
}

const SYSTEM_ATTRIBUTES = [
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "SentTimestamp",
  "MessageGroupId",
] as const;

function checkOptions(o: WorkerOptions): void {
  const problems: string[] = [];
  const int = (field: string, value: number | undefined, min: number, max: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      problems.push(`${field} must be an integer between ${min} and ${max}, but ${value} was provided`);
    }
  };
  if (!Array.isArray(o.handlers) || o.handlers.length === 0) {
    problems.push("handlers must list at least one handle(job, fn)");
  }
  int("concurrency", o.concurrency, 1, 10_000);
  int("batchSize", o.batchSize, 1, 10);
  int("waitTimeSeconds", o.waitTimeSeconds, 0, 20);
  int("visibilityTimeoutSeconds", o.visibilityTimeoutSeconds, 1, 43_200);
  int("shutdownTimeoutMs", o.shutdownTimeoutMs, 0, 3_600_000);
  if (problems.length > 0)
    throw new ConfigError(`startWorker options are invalid:\n  - ${problems.join("\n  - ")}`);
}

function toRecord(m: Message): SqsRecord {
  let messageAttributes: Record<string, SqsMessageAttribute> | undefined;
  if (m.MessageAttributes !== undefined) {
    messageAttributes = {};
    for (const [name, a] of Object.entries(m.MessageAttributes)) {
      messageAttributes[name] = {
        stringValue: a.StringValue,
        binaryValue: a.BinaryValue === undefined ? undefined : Buffer.from(a.BinaryValue).toString("base64"),
        dataType: a.DataType ?? "String",
      };
    }
  }
  return {
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: (m.Attributes ?? { ApproximateReceiveCount: "1" }) as unknown as SqsRecordAttributes,
    messageAttributes,
  };
}

/**
 * Runs handlers on a queue from a long-running process (container, VM, laptop): long polling,
 * `concurrency` jobs at once, a visibility heartbeat, batched deletes and a graceful stop. The
 * decisions per message are the same as the Lambda handler's.
 *
 * @example
 * const worker = startWorker({ queueUrl, handlers: [handle(resizeImage, resize)], concurrency: 20 });
 * await worker.done; // after SIGTERM, once everything is finished or handed back
 */
export function startWorker(options: WorkerOptions): Worker {
  checkOptions(options);
  const queueUrl = options.queueUrl ?? requireEnv(ENV.queueUrl, "the worker's queue URL");
  return new WorkerRun(queueUrl, options);
}

class WorkerRun implements Worker {
  readonly queueUrl: string;
  readonly done: Promise<void>;
  readonly #o: WorkerOptions;
  readonly #sqs: SQSClient;
  readonly #connect: SqsConnect;
  readonly #log: LevelLogger;
  readonly #core: BatchCore;
  readonly #deletes: DeleteBuffer;
  readonly #dlqs: DeadLetterQueues;
  readonly #held = new Map<string, Held>();
  readonly #waiters: (() => void)[] = [];
  readonly #batches = new Set<Promise<void>>();
  /** Visibility releases in flight, awaited before `done` resolves so nothing stays locked. */
  readonly #releases = new Set<Promise<void>>();
  #free: number;
  #stopping = false;
  #drained: (() => void) | undefined;
  #signals: (() => void) | undefined;

  constructor(queueUrl: string, options: WorkerOptions) {
    this.queueUrl = queueUrl;
    this.#o = options;
    this.#sqs = options.sqs ?? createSqsClient();
    this.#connect = lazySqs(this.#sqs);
    this.#log = resolveLogger(options.logger, options.logLevel);
    this.#core = new BatchCore(options.handlers, {
      sqs: this.#connect,
      logger: this.#log,
      hooks: options.hooks ?? {},
    });
    this.#deletes = new DeleteBuffer(this.#sqs, queueUrl, this.#log);
    this.#dlqs = new DeadLetterQueues(this.#connect);
    this.#free = options.concurrency ?? 10;
    if (options.handleSignals ?? true) {
      const onSignal = (signal: NodeJS.Signals): void => {
        this.#log.info("sqs-jobs worker stopping", { signal, queueUrl });
        void this.stop();
      };
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
      this.#signals = () => {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
      };
    }
    this.done = this.#main();
  }

  stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      for (const wake of this.#waiters.splice(0)) wake();
    }
    return this.done;
  }

  async #main(): Promise<void> {
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    try {
      const visibility = this.#o.visibilityTimeoutSeconds ?? (await this.#queueVisibility());
      const every = Math.max(250, visibility * 250);
      heartbeat = setInterval(() => this.#heartbeat(visibility), every);
      const batchSize = this.#o.batchSize ?? 10;
      const pollers = Math.max(1, Math.ceil(this.#free / batchSize));
      this.#log.info("sqs-jobs worker started", {
        queueUrl: this.queueUrl,
        concurrency: this.#free,
        pollers,
      });
      const polling: Promise<void>[] = [];
      for (let i = 0; i < pollers; i++) polling.push(this.#poll(batchSize, visibility));
      await Promise.all(polling);
      await this.#finishHeld();
    } finally {
      if (heartbeat !== undefined) clearInterval(heartbeat);
      this.#signals?.();
      await this.#deletes.flush();
      while (this.#releases.size > 0) await Promise.all(this.#releases);
    }
    this.#log.info("sqs-jobs worker stopped", { queueUrl: this.queueUrl });
  }

  async #queueVisibility(): Promise<number> {
    try {
      const out = await this.#sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ["VisibilityTimeout"] }),
      );
      return Number(out.Attributes?.VisibilityTimeout ?? 30);
    } catch (error) {
      this.#stopping = true;
      throw queueMissingOr(error, this.queueUrl);
    }
  }

  /** Takes up to `batchSize` free slots, waiting for one if none is free; 0 once stopping. */
  async #reserve(batchSize: number): Promise<number> {
    while (this.#free === 0 && !this.#stopping) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    if (this.#stopping) return 0;
    const n = Math.min(batchSize, this.#free);
    this.#free -= n;
    return n;
  }

  #freeSlots(n: number): void {
    this.#free += n;
    for (let i = 0; i < n && this.#waiters.length > 0; i++) this.#waiters.shift()?.();
  }

  async #poll(batchSize: number, visibility: number): Promise<void> {
    let errors = 0;
    for (;;) {
      const want = await this.#reserve(batchSize);
      if (want === 0) return;
      let messages: Message[];
      try {
        const out = await this.#sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: want,
            WaitTimeSeconds: this.#o.waitTimeSeconds ?? 20,
            VisibilityTimeout: visibility,
            MessageAttributeNames: ["All"],
            MessageSystemAttributeNames: [...SYSTEM_ATTRIBUTES],
          }),
        );
        messages = out.Messages ?? [];
        errors = 0;
      } catch (error) {
        this.#freeSlots(want);
        if (this.#stopping) return;
        errors++;
        this.#log.error("sqs-jobs worker could not receive messages; retrying", {
          queueUrl: this.queueUrl,
          error: describeAwsError(error),
        });
        await new Promise((resolve) => setTimeout(resolve, Math.min(20_000, 500 * 2 ** Math.min(errors, 6))));
        continue;
      }
      if (messages.length < want) this.#freeSlots(want - messages.length);
      if (messages.length === 0) continue;
      this.#dispatch(messages);
    }
  }

  #dispatch(messages: Message[]): void {
    const now = Date.now();
    const records = messages.map(toRecord);
    for (const record of records) this.#held.set(record.receiptHandle, { record, extendedAt: now });
    const batch = this.#core
      .run(records, {
        queueUrl: this.queueUrl,
        fifo: isFifoQueue(this.queueUrl),
        concurrency: records.length,
        dlqUrl: () =>
          Promise.resolve(this.#o.dlqUrl ?? process.env[ENV.dlqUrl] ?? this.#dlqs.resolve(this.queueUrl)),
        stopping: () => this.#stopping,
        settle: (record, settlement) => this.#settle(record, settlement),
      })
      .catch((error: unknown) => {
        // The core settles every record itself; if it failed, hand back what it did not.
        this.#log.error("sqs-jobs batch core failed; releasing its unsettled messages", {
          error: describeAwsError(error),
        });
        for (const record of records) this.#settle(record, "release");
      })
      .finally(() => this.#batches.delete(batch));
    this.#batches.add(batch);
  }

  #settle(record: SqsRecord, settlement: Settlement): void {
    // Absent when the shutdown deadline already handed it back.
    if (!this.#held.delete(record.receiptHandle)) return;
    if (settlement === "delete") this.#deletes.add(record.receiptHandle);
    else if (settlement === "release") this.#release([record.receiptHandle]);
    this.#freeSlots(1);
    if (this.#held.size === 0) this.#drained?.();
  }

  /** Keeps running jobs' messages invisible: extends any not extended for half the timeout. */
  #heartbeat(visibility: number): void {
    const now = Date.now();
    const due: string[] = [];
    for (const [handle, held] of this.#held) {
      if (now - held.extendedAt >= visibility * 500) {
        held.extendedAt = now;
        due.push(handle);
      }
    }
    if (due.length > 0) void setVisibility(this.#connect, this.queueUrl, due, visibility, this.#log);
  }

  /** After polling stopped: waits for running jobs up to the deadline, then hands back the rest. */
  async #finishHeld(): Promise<void> {
    if (this.#held.size > 0) {
      const limit = this.#o.shutdownTimeoutMs ?? 30_000;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          this.#drained = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, limit);
        }),
      ]);
      clearTimeout(timer);
    }
    if (this.#held.size > 0) {
      const left = [...this.#held.keys()];
      this.#held.clear();
      this.#log.warn("sqs-jobs worker shutdown deadline passed; handing back unfinished jobs", {
        queueUrl: this.queueUrl,
        count: left.length,
      });
      this.#core.abandonRunning(new Error("the worker is shutting down"));
      this.#release(left);
    }
  }

  #release(receiptHandles: string[]): void {
    const call = setVisibility(this.#connect, this.queueUrl, receiptHandles, 0, this.#log).finally(() =>
      this.#releases.delete(call),
    );
    this.#releases.add(call);
  }
}
