import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { CallResponse } from "../core/call-event.ts";
import { mapLimit } from "../core/map-limit.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import type { Batch, Settlement } from "./batch.ts";
import { CallDelivery, type CallRunOptions } from "./call-delivery.ts";
import { CallbackCompletion } from "./callback-completion.ts";
import { describeError } from "./describe-error.ts";
import type { JobHandler } from "./handle.ts";
import type { ConsumerHooks } from "./hooks.ts";
import { JobStep } from "./job-step.ts";
import type { JobTracking } from "./job-tracking.ts";
import type { SqsRecord } from "./lambda-types.ts";
import type { LevelLogger } from "./logger.ts";
import { Outcomes } from "./outcomes.ts";
import { RecordDelivery, type RecordEnds } from "./record-delivery.ts";

export type { Batch, Settlement } from "./batch.ts";
export type { CallRunOptions } from "./call-delivery.ts";

export interface BatchCoreOptions {
  readonly sqs: SqsConnect;
  readonly logger: LevelLogger;
  readonly hooks: ConsumerHooks;
  /** The job ledger's collaborator, when the queue has one. */
  readonly tracking?: JobTracking | undefined;
  /** The client that completes durable callbacks; built on the first one when not given. */
  readonly lambda?: LambdaClient | undefined;
}

/**
 * The one place that decides what happens to each record and each call: one {@link JobStep}
 * decides (decoding, routing, validation, the ledger's claim, the handler run with its timeout,
 * retry with backoff and dead-letter), a record's delivery applies it to its message, a call's
 * answers its caller. Here: how a batch is fed to it, with FIFO group order. The Lambda handler
 * and the worker feed it records and apply the settlement it gives each one.
 */
export class BatchCore {
  readonly #step: JobStep;
  readonly #log: LevelLogger;
  readonly #hooks: ConsumerHooks;
  readonly #tracking: JobTracking | undefined;
  readonly #ends: RecordEnds;

  constructor(handlers: readonly JobHandler[], options: BatchCoreOptions) {
    this.#step = new JobStep(handlers, {
      logger: options.logger,
      hooks: options.hooks,
      tracking: options.tracking,
      callbacks: new CallbackCompletion(options.lambda, options.logger),
    });
    this.#log = options.logger;
    this.#hooks = options.hooks;
    this.#tracking = options.tracking;
    this.#ends = {
      sqs: options.sqs,
      logger: options.logger,
      outcomes: new Outcomes(options.sqs, options.logger, options.hooks),
    };
  }

  /**
   * Settles every record of a batch; resolves when each one was settled. Standard queues: up to
   * `concurrency` records at once. FIFO: each message group in order, up to `concurrency` groups
   * at once; after a record that is not deleted, the rest of its group is released unstarted.
   */
  async run(records: readonly SqsRecord[], batch: Batch): Promise<void> {
    if (!batch.fifo) {
      await mapLimit(records, batch.concurrency, (record) => this.#settleRecord(record, batch));
      return;
    }
    const groups = new Map<string, SqsRecord[]>();
    for (const record of records) {
      const id = record.attributes.MessageGroupId ?? "";
      groups.set(id, [...(groups.get(id) ?? []), record]);
    }
    await mapLimit([...groups.values()], batch.concurrency, async (group) => {
      for (const [i, record] of group.entries()) {
        if ((await this.#settleRecord(record, batch)) === "delete") continue;
        for (const behind of group.slice(i + 1)) batch.settle(behind, "release");
        return;
      }
    });
  }

  /**
   * A synchronous call (Lambda Invoke from `JobClient.call`): the same step as a record, with the
   * same hooks and ledger claim, but whatever happens is answered to the caller.
   */
  call(body: string, options: CallRunOptions): Promise<CallResponse> {
    return this.#step.decide(new CallDelivery(body, options, this.#log, this.#hooks));
  }

  /**
   * Resolves once every concurrency slot kept for a handler that outlived its run (it ignored
   * its signal) is freed: the Lambda driver answers only then, as Lambda freezes the environment
   * once it answers.
   */
  async slotsFreed(): Promise<void> {
    await this.#tracking?.slotsFreed();
  }

  /** Worker shutdown: running jobs end unfinished (their messages are released) and their signals abort. */
  abandonRunning(reason: unknown): void {
    this.#step.abandonRunning(reason);
  }

  /** Decides one record. A fault of ours leaves it on the queue rather than failing its batch. */
  async #settleRecord(record: SqsRecord, batch: Batch): Promise<Settlement> {
    try {
      return await this.#step.decide(new RecordDelivery(record, batch, this.#ends));
    } catch (bug) {
      this.#log.error("sqs-jobs could not decide a record; it stays on the queue", {
        messageId: record.messageId,
        error: describeError(bug).message,
      });
      batch.settle(record, "keep");
      return "keep";
    }
  }
}
