import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { recordFromMessage } from "sqs-jobs/internal/consumer/record-from-message";
import type { InvokeOutcome, LocalFunction } from "./function-runtime.ts";

/** The mutable settings of one local event source mapping, as the Lambda API shows them. */
export interface EventSourceState {
  readonly uuid: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly queueArn: string;
  readonly queueUrl: string;
  batchSize: number;
  batchingWindowSeconds: number;
  maximumConcurrency: number | undefined;
  reportBatchItemFailures: boolean;
  enabled: boolean;
  lastModified: Date;
}

export interface BatchOutcome {
  readonly records: number;
  readonly failed: number;
  readonly durationMs: number;
  readonly error: string | undefined;
}

/** Lambda's poller starts with 5 concurrent invocations per mapping: the local default. */
const DEFAULT_LOCAL_CONCURRENCY = 5;
/**
 * Locally each invocation in flight has its own execution environment (a worker thread), so a
 * mapping's maximum concurrency (up to 1,000 on AWS) is capped to what a laptop can hold.
 */
const MAX_LOCAL_CONCURRENCY = 10;
const LONG_POLL_SECONDS = 20;

/**
 * Drives a function from a queue the way Lambda's SQS poller does: long polling, batches up to
 * the batch size (gathered over the batching window), at most the maximum concurrency of
 * invocations at once, and, when the function reports batch item failures, deletion of only the
 * records it did not return. A thrown error or timeout deletes nothing: the records come back when
 * their visibility timeout ends.
 */
export class EventSourcePoller {
  readonly state: EventSourceState;
  readonly #sqs: SQSClient;
  readonly #fn: LocalFunction;
  readonly #region: string;
  readonly #onBatch: (outcome: BatchOutcome) => void;
  #stopped = false;
  #inFlight = 0;
  #receive: AbortController | undefined;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  readonly #invocations = new Set<Promise<void>>();
  /** Receipt handles of the messages the function is running now. */
  readonly #held = new Set<string>();

  constructor(options: {
    state: EventSourceState;
    sqs: SQSClient;
    fn: LocalFunction;
    region: string;
    onBatch: (outcome: BatchOutcome) => void;
  }) {
    this.state = options.state;
    this.#sqs = options.sqs;
    this.#fn = options.fn;
    this.#region = options.region;
    this.#onBatch = options.onBatch;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Invocations running now: what the testing kit's `drain` waits for. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Receipt handles of the messages in running invocations. Moving the emulator's clock leaves
   * their visibility alone: the handler's own clock does not move, so its lock must not end.
   */
  heldReceiptHandles(): ReadonlySet<string> {
    return this.#held;
  }

  /**
   * Applies an UpdateEventSourceMapping. A pending long poll is not aborted: the emulator would
   * still hand it messages that nobody reads until their visibility timeout. Instead, whatever it
   * returns after the mapping was disabled is released at once.
   */
  changed(): void {
    this.state.lastModified = new Date();
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#receive?.abort();
    this.#wake?.();
    await this.#loop;
    await Promise.all(this.#invocations);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const limit = Math.min(
        this.state.maximumConcurrency ?? DEFAULT_LOCAL_CONCURRENCY,
        MAX_LOCAL_CONCURRENCY,
      );
      if (!this.state.enabled || this.#inFlight >= limit) {
        await this.#sleep(this.state.enabled ? 50 : 500);
        continue;
      }
      let messages: Message[];
      try {
        messages = await this.#collectBatch();
      } catch (error) {
        if (this.#stopped || !this.state.enabled) continue;
        this.#onBatch({
          records: 0,
          failed: 0,
          durationMs: 0,
          error: `ReceiveMessage failed: ${String(error)}`,
        });
        await this.#sleep(1_000);
        continue;
      }
      if (messages.length === 0) continue;
      if (this.#stopped || !this.state.enabled) {
        await this.#release(messages);
        continue;
      }
      this.#inFlight++;
      const invocation = this.#invoke(messages).finally(() => {
        this.#inFlight--;
        this.#invocations.delete(invocation);
        this.#wake?.();
      });
      this.#invocations.add(invocation);
    }
  }

  async #collectBatch(): Promise<Message[]> {
    const { batchSize, batchingWindowSeconds } = this.state;
    const messages: Message[] = [];
    let deadline = 0;
    while (messages.length < batchSize && !this.#stopped && this.state.enabled) {
      const waitSeconds =
        messages.length === 0 ? LONG_POLL_SECONDS : Math.max(0, Math.floor((deadline - Date.now()) / 1_000));
      this.#receive = new AbortController();
      const out = await this.#sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.state.queueUrl,
          MaxNumberOfMessages: Math.min(10, batchSize - messages.length),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
        { abortSignal: this.#receive.signal },
      );
      const received = out.Messages ?? [];
      if (messages.length === 0 && received.length > 0) deadline = Date.now() + batchingWindowSeconds * 1_000;
      messages.push(...received);
      if (messages.length > 0 && Date.now() >= deadline) break;
      if (waitSeconds === 0 && received.length === 0) await this.#sleep(50);
    }
    return messages;
  }

  async #invoke(messages: Message[]): Promise<void> {
    const started = Date.now();
    const handles = messages.flatMap((m) => (m.ReceiptHandle === undefined ? [] : [m.ReceiptHandle]));
    for (const handle of handles) this.#held.add(handle);
    let outcome: InvokeOutcome;
    let failedIds: Set<string>;
    try {
      outcome = await this.#fn.invoke({
        Records: messages.map((m) =>
          recordFromMessage(m, { arn: this.state.queueArn, region: this.#region }),
        ),
      });
      failedIds = this.#failedIds(outcome, messages);
      await this.#delete(messages.filter((m) => !failedIds.has(m.MessageId ?? "")));
    } finally {
      for (const handle of handles) this.#held.delete(handle);
    }
    this.#onBatch({
      records: messages.length,
      failed: failedIds.size,
      durationMs: Date.now() - started,
      error: outcome.ok ? undefined : `${outcome.errorType}: ${outcome.errorMessage}`,
    });
  }

  /** Which records stay on the queue, by Lambda's rules for the function's response. */
  #failedIds(outcome: InvokeOutcome, messages: Message[]): Set<string> {
    const all = new Set(messages.map((m) => m.MessageId ?? ""));
    if (!outcome.ok) return all;
    if (!this.state.reportBatchItemFailures) return new Set();
    const result = outcome.result;
    if (result === null || result === undefined) return new Set();
    if (typeof result !== "object") return all;
    const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === null || failures === undefined) return new Set();
    if (!Array.isArray(failures)) return all;
    const failed = new Set<string>();
    for (const item of failures) {
      const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      // An empty, missing or unknown identifier fails the whole batch, as on Lambda.
      if (typeof id !== "string" || !all.has(id)) return all;
      failed.add(id);
    }
    return failed;
  }

  /** Deletes what the function finished, as the Lambda poller does. */
  #delete(messages: Message[]): Promise<void> {
    return this.#inTens(messages, "DeleteMessageBatch", (entries) =>
      this.#sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.state.queueUrl, Entries: entries })),
    );
  }

  /** Hands back messages received while the mapping was being disabled. */
  #release(messages: Message[]): Promise<void> {
    return this.#inTens(messages, "ChangeMessageVisibilityBatch", (entries) =>
      this.#sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.state.queueUrl,
          Entries: entries.map((e) => ({ ...e, VisibilityTimeout: 0 })),
        }),
      ),
    );
  }

  /**
   * Runs a batch action ten receipt handles per request. A failed request is reported, not
   * thrown: its messages come back when their visibility timeout ends, and the poller (a
   * background loop) must not die of one emulator error.
   */
  async #inTens(
    messages: Message[],
    action: string,
    send: (entries: { Id: string; ReceiptHandle: string | undefined }[]) => Promise<unknown>,
  ): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages
        .slice(i, i + 10)
        .map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle }));
      try {
        await send(entries);
      } catch (error) {
        this.#onBatch({ records: 0, failed: 0, durationMs: 0, error: `${action} failed: ${String(error)}` });
      }
    }
  }
}
