import { decodeEnvelope, type Envelope } from "../core/envelope.ts";
import { ConfigError, ValidationError } from "../core/errors.ts";
import { type ValidationResult, validate } from "../core/schema.ts";
import type { SqsConnect } from "../core/sqs-connect.ts";
import type { BatchRun, Settlement } from "./batch-run.ts";
import type { JobHandler } from "./handle.ts";
import { type ConsumerHooks, callHook } from "./hooks.ts";
import { JobTimeoutError } from "./job-timeout-error.ts";
import type { SqsRecord } from "./lambda-types.ts";
import type { LevelLogger } from "./logger.ts";
import { type Attempt, Outcomes } from "./outcomes.ts";
import { ABANDONED, type Completion, RunningJob, RunningJobs, SUCCEEDED } from "./running-job.ts";
import { UnknownJobError } from "./unknown-job-error.ts";

export type { BatchRun, Settlement } from "./batch-run.ts";

/** Called once per record with what the core decided, synchronously or later. */
type Done = (settlement: Settlement) => void;

/** A record on its way through a handler: its attempt and where its settlement goes. */
interface Run extends Attempt {
  readonly handler: JobHandler;
  readonly done: Done;
  readonly fail: (error: unknown) => void;
}

export interface BatchCoreOptions {
  readonly sqs: SqsConnect;
  readonly logger: LevelLogger;
  readonly hooks: ConsumerHooks;
}

/** How often running jobs are checked against their deadline; timeouts fire up to this late. */
const SWEEP_MS = 100;

function sameError(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

/** Calls `done` with a settlement that is either ready or on its way. */
function deliver(
  settlement: Settlement | Promise<Settlement>,
  done: Done,
  fail: (error: unknown) => void,
): void {
  if (typeof settlement === "string") done(settlement);
  else settlement.then(done, fail);
}

/**
 * The one place that decides what happens to each record: validation, routing, concurrency,
 * FIFO groups, retry with backoff and dead-lettering. The Lambda handler and the worker feed it
 * records and apply its settlements.
 *
 * The path of a record is written with callbacks rather than `await`: a handler that returns at
 * once (or a promise that is already settled) then costs no promise of ours, which is most of
 * what a batch of 10,000 quick jobs would otherwise spend.
 */
export class BatchCore {
  readonly #handlers = new Map<string, JobHandler>();
  readonly #log: LevelLogger;
  readonly #hooks: ConsumerHooks;
  readonly #outcomes: Outcomes;
  /** Jobs whose handler is still running, for the deadline sweep and shutdown. */
  readonly #running = new RunningJobs();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  /** The handler found last: batches mostly carry one job, and a string compare beats hashing. */
  #last: JobHandler | undefined;
  /** One function for every run's end, rather than a closure per record. */
  readonly #ended = (run: Run, completion: Completion): void => {
    deliver(this.#complete(run, completion), run.done, run.fail);
  };

  constructor(handlers: readonly JobHandler[], options: BatchCoreOptions) {
    for (const handler of handlers) {
      if (this.#handlers.has(handler.job.name)) {
        throw new ConfigError(`two handlers for job "${handler.job.name}"; pass one handle(...) per job`);
      }
      this.#handlers.set(handler.job.name, handler);
    }
    this.#log = options.logger;
    this.#hooks = options.hooks;
    this.#outcomes = new Outcomes(options.sqs, options.logger, options.hooks);
  }

  /**
   * Decides every record of a batch; resolves when each one was settled. Standard queues: up to
   * `concurrency` records in flight, the next one starting as one ends.
   */
  run(records: readonly SqsRecord[], batch: BatchRun): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    if (batch.fifo) return this.#runGroups(records, batch);
    return new Promise<void>((resolve, reject) => {
      const total = records.length;
      const limit = Math.min(batch.concurrency, total);
      let next = 0;
      let active = 0;
      let ended = 0;
      // A record that ends synchronously is counted inside the loop, which then starts the next.
      let pumping = false;
      const pump = (): void => {
        if (pumping) return;
        pumping = true;
        try {
          while (active < limit && next < total) {
            active++;
            this.#process(records[next++] as SqsRecord, batch, onEnded, reject);
          }
        } catch (error) {
          reject(error);
        } finally {
          pumping = false;
        }
      };
      const onEnded = (): void => {
        active--;
        if (++ended === total) resolve();
        else pump();
      };
      pump();
    });
  }

  /**
   * Worker shutdown: hands back the records whose handlers are still running (they settle as
   * `release`) and aborts their signals.
   */
  abandonRunning(reason: unknown): void {
    for (const job of this.#running.list()) job.end(ABANDONED, reason);
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /** One group at a time in order; after a record that was not settled `delete`, the rest waits. */
  async #runGroups(records: readonly SqsRecord[], batch: BatchRun): Promise<void> {
    const groups = new Map<string, SqsRecord[]>();
    for (const record of records) {
      const id = record.attributes.MessageGroupId ?? "";
      const group = groups.get(id);
      if (group === undefined) groups.set(id, [record]);
      else group.push(record);
    }
    const queue = [...groups.values()];
    let next = 0;
    const one = (record: SqsRecord) =>
      new Promise<Settlement>((resolve, reject) => this.#process(record, batch, resolve, reject));
    const lane = async (): Promise<void> => {
      for (let g = next++; g < queue.length; g = next++) {
        const group = queue[g] as SqsRecord[];
        let i = 0;
        for (; i < group.length; i++) {
          if ((await one(group[i] as SqsRecord)) !== "delete") break;
        }
        for (i++; i < group.length; i++) batch.settle(group[i] as SqsRecord, "release");
      }
    };
    const lanes: Promise<void>[] = [];
    for (let i = 0; i < Math.min(batch.concurrency, queue.length); i++) lanes.push(lane());
    await Promise.all(lanes);
  }

  /** Decides one record and calls `done` with its settlement; `fail` only on a bug of ours. */
  #process(record: SqsRecord, batch: BatchRun, done: Done, fail: (error: unknown) => void): void {
    // The one clock read per record: durations and the job's deadline both count from here.
    const started = performance.now();
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(record.body);
    } catch (error) {
      const a: Attempt = { record, batch, jobName: undefined, jobId: record.messageId, attempt, started };
      deliver(this.#outcomes.deadLetter(a, "poison", error), done, fail);
      return;
    }
    const jobId = envelope.id ?? record.messageId;
    const handler = this.#handlerFor(envelope.job);
    if (handler === undefined) {
      const error = new UnknownJobError(envelope.job, [...this.#handlers.keys()]);
      const a: Attempt = { record, batch, jobName: envelope.job, jobId, attempt, started };
      deliver(this.#outcomes.deadLetter(a, "poison", error), done, fail);
      return;
    }
    const a: Run = { record, batch, jobName: handler.job.name, jobId, attempt, started, handler, done, fail };
    if (
      batch.stopping?.() === true ||
      (batch.canStart !== undefined && !batch.canStart(handler.job.timeoutSeconds * 1000, started))
    ) {
      batch.settle(record, "release");
      done("release");
      return;
    }
    const checked = validate(handler.job.schema, envelope.payload, handler.job);
    if (checked instanceof Promise) {
      checked.then((result) => this.#begin(a, envelope, result), fail);
    } else {
      this.#begin(a, envelope, checked);
    }
  }

  #handlerFor(name: string): JobHandler | undefined {
    const last = this.#last;
    if (last !== undefined && last.job.name === name) return last;
    const handler = this.#handlers.get(name);
    if (handler !== undefined) this.#last = handler;
    return handler;
  }

  /** The payload was checked: dead-letter it, or run the handler (after the beforeJob hook). */
  #begin(a: Run, envelope: Envelope, checked: ValidationResult<unknown>): void {
    const { job } = a.handler;
    if (!checked.ok) {
      const error = new ValidationError(job.name, checked.issues, {
        subject: `payload of message ${a.record.messageId} for job "${job.name}" is`,
      });
      deliver(this.#outcomes.deadLetter(a, "poison", error), a.done, a.fail);
      return;
    }
    const ctx = new RunningJob(
      {
        jobId: a.jobId,
        jobName: job.name,
        attempt: a.attempt,
        maxAttempts: job.retry.maxAttempts,
        messageId: a.record.messageId,
        queueUrl: a.batch.queueUrl,
        enqueuedAt: envelope.enqueuedAt ?? Number(a.record.attributes.SentTimestamp ?? Date.now()),
        timeoutSeconds: job.timeoutSeconds,
        startedAt: a.started,
      },
      this.#log,
    );
    const before = callHook(this.#hooks.beforeJob, "beforeJob", ctx, this.#log);
    if (before === undefined) this.#execute(a, checked.value, ctx);
    else before.then(() => this.#execute(a, checked.value, ctx), a.fail);
  }

  /** Runs the handler; a sync throw or a rejection is an error completion, never a thrown one. */
  #execute(a: Run, payload: unknown, ctx: RunningJob): void {
    let result: unknown;
    try {
      result = a.handler.run(payload, ctx);
    } catch (error) {
      this.#ended(a, { error: error ?? new Error("handler threw undefined") });
      return;
    }
    if (typeof (result as PromiseLike<unknown> | undefined)?.then !== "function") {
      this.#ended(a, SUCCEEDED);
      return;
    }
    this.#running.add(ctx);
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
    ctx.watch(result as PromiseLike<unknown>, this.#running, this.#ended, a);
  }

  /** What an ended attempt means for its message. */
  #complete(a: Run, completion: Completion): Settlement | Promise<Settlement> {
    if (completion === SUCCEEDED) {
      a.batch.settle(a.record, "delete");
      const after = this.#outcomes.report(a, "succeeded");
      return after === undefined ? "delete" : after.then(() => "delete" as const);
    }
    if (completion === ABANDONED) {
      a.batch.settle(a.record, "release");
      return "release";
    }
    const { error } = completion;
    if (error instanceof Error && sameError(error, "ERR_PERMANENT")) {
      return this.#outcomes.deadLetter(a, "permanent", error);
    }
    const { retry } = a.handler.job;
    if (a.attempt >= retry.maxAttempts) return this.#outcomes.deadLetter(a, "exhausted", error);
    return this.#outcomes.retry(a, retry, error);
  }

  /** One timer for all running jobs, instead of one per job: it stops when none runs. */
  #sweep(): void {
    if (this.#running.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
      return;
    }
    const now = performance.now();
    for (const job of this.#running.list()) {
      if (job.deadline <= now) {
        const error = new JobTimeoutError(job.jobName, job.timeoutSeconds);
        job.end({ error }, error);
      }
    }
  }
}
