import { setTimeout as sleep } from "node:timers/promises";
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { describeAwsError, queueMissingOr } from "../core/aws-errors.ts";
import { ENV, optionalEnv, requireEnv } from "../core/env.ts";
import { isFifoQueue } from "../core/queue-url.ts";
import { backoffSeconds, type ResolvedRetryPolicy } from "../core/retry.ts";
import { createSqsClient } from "../core/sqs-client.ts";
import { lazySqs, type SqsConnect } from "../core/sqs-connect.ts";
import { BatchCore, type Settlement } from "./batch-core.ts";
import { assertOptions, integerProblem, trackingFor } from "./consumer-options.ts";
import { DeleteBuffer } from "./delete-buffer.ts";
import { errorFields } from "./hooks.ts";
import type { SqsRecord } from "./lambda-types.ts";
import { type LevelLogger, resolveLogger } from "./logger.ts";
import { recordFromMessage } from "./record-from-message.ts";
import { setVisibility } from "./visibility.ts";
import type { Worker, WorkerOptions } from "./worker-options.ts";

interface Held {
  readonly record: SqsRecord;
  extendedAt: number;
}

const SYSTEM_ATTRIBUTES = [
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "SentTimestamp",
  "MessageGroupId",
  "AWSTraceHeader",
] as const;

/**
 * How long pollers wait after a failed receive or a failed batch: exponential from 1 s to 20 s
 * with jitter, so a persistent fault never becomes a tight loop.
 */
const PAUSE: ResolvedRetryPolicy = {
  maxAttempts: 100,
  backoff: { type: "exponential", baseSeconds: 1, maxSeconds: 20 },
};

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
  const o = options;
  assertOptions("startWorker", [
    Array.isArray(o.handlers) && o.handlers.length > 0
      ? undefined
      : "handlers must list at least one handle(job, fn)",
    integerProblem("concurrency", o.concurrency, 1, 10_000),
    integerProblem("batchSize", o.batchSize, 1, 10),
    integerProblem("waitTimeSeconds", o.waitTimeSeconds, 0, 20),
    integerProblem("visibilityTimeoutSeconds", o.visibilityTimeoutSeconds, 1, 43_200),
    integerProblem("shutdownTimeoutMs", o.shutdownTimeoutMs, 0, 3_600_000),
  ]);
  const queueUrl = options.queueUrl ?? requireEnv(ENV.queueUrl, "the worker's queue URL");
  return new PollingWorker(queueUrl, options);
}

class PollingWorker implements Worker {
  readonly queueUrl: string;
  readonly done: Promise<void>;
  readonly #o: WorkerOptions;
  readonly #sqs: SQSClient;
  readonly #connect: SqsConnect;
  readonly #log: LevelLogger;
  readonly #core: BatchCore;
  readonly #deletes: DeleteBuffer;
  readonly #held = new Map<string, Held>();
  readonly #waiters: (() => void)[] = [];
  readonly #batches = new Set<Promise<void>>();
  /** Visibility releases in flight, awaited before `done` resolves so nothing stays locked. */
  readonly #releases = new Set<Promise<void>>();
  /** Aborted at stop: cuts a pause short. */
  readonly #stopped = new AbortController();
  /**
   * Aborts the long polls in flight at a stop with no message held. Not when some are: an aborted
   * poll lives on at SQS until its wait ends and would take the messages we hand back.
   */
  readonly #polls = new AbortController();
  /** Failures in a row (receives or batches); pollers pause while it is above zero. */
  #faults = 0;
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
    const { tracking, missing } = trackingFor(options.handlers, options.ledger, this.#log);
    if (missing !== undefined) throw missing;
    this.#core = new BatchCore(options.handlers, {
      sqs: this.#connect,
      logger: this.#log,
      hooks: options.hooks ?? {},
      tracking,
      lambda: options.lambda,
      routes: options.routes,
    });
    this.#deletes = new DeleteBuffer(this.#sqs, queueUrl, this.#log);
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
      this.#stopped.abort();
      if (this.#held.size === 0) this.#polls.abort();
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
    for (;;) {
      if (this.#faults > 0) await this.#pause();
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
          { abortSignal: this.#polls.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        this.#freeSlots(want);
        if (this.#stopping) return;
        this.#faults++;
        this.#log.error("sqs-jobs worker could not receive messages; retrying", {
          queueUrl: this.queueUrl,
          error: describeAwsError(error),
        });
        continue;
      }
      this.#faults = 0;
      if (messages.length < want) this.#freeSlots(want - messages.length);
      if (messages.length > 0) this.#dispatch(messages);
    }
  }

  /** Waits out the backoff for the current run of faults; a stop cuts it short. */
  async #pause(): Promise<void> {
    try {
      await sleep(backoffSeconds(PAUSE, this.#faults) * 1000, undefined, { signal: this.#stopped.signal });
    } catch {
      // Aborted by stop: the poller sees it at its next reservation.
    }
  }

  #dispatch(messages: Message[]): void {
    const now = Date.now();
    const records = messages.map((message) => recordFromMessage(message));
    for (const record of records) this.#held.set(record.receiptHandle, { record, extendedAt: now });
    const batch = this.#core
      .run(records, {
        queueUrl: this.queueUrl,
        fifo: isFifoQueue(this.queueUrl),
        concurrency: records.length,
        dlqUrl: this.#o.dlqUrl ?? optionalEnv(ENV.dlqUrl),
        stopping: () => this.#stopping,
        settle: (record, settlement) => this.#settle(record, settlement),
      })
      .catch((error: unknown) => {
        // The core settles every record itself; if it failed, hand back what it did not, and
        // pause the pollers so a fault that repeats cannot spin.
        this.#faults++;
        this.#log.error("sqs-jobs batch core failed; releasing its unsettled messages", errorFields(error));
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
