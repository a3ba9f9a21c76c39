import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { SqsJobsError } from "../core/errors.ts";
import { queueNameOf } from "../core/queue-url.ts";
import { jobIdReusedError } from "../ledger/errors.ts";
import { parsedPayloadHash } from "../ledger/job-key.ts";
import type { FinalStatus } from "../ledger/job-state.ts";
import type { Claim, Ledger, RunEnd } from "../ledger/ledger.ts";
import type { LedgerConnect } from "../ledger/ledger-options.ts";
import { recordThrottled } from "../ledger/rate-limit.ts";
import type { StoredJob } from "../ledger/stored-job.ts";
import { describeError } from "./describe-error.ts";
import type { HandledJob } from "./handle.ts";
import type { LevelLogger } from "./logger.ts";
import { payloadKey, rateToken, supersededBy, type Wait } from "./pacing-claims.ts";
import { SeenNextStarts } from "./seen-next-starts.ts";

export type { Wait } from "./pacing-claims.ts";

/** Beyond the job's timeout, before another delivery may take over a run's job or slot. */
const LEASE_MARGIN_MS = 30_000;
/** How long a job waits on the queue when every concurrency slot of its key is taken. */
const SLOT_WAIT_SECONDS = 2;
/** SQS's longest message delay. */
const MAX_WAIT_SECONDS = 900;

/** One tracked run: it holds the job's lease (and a concurrency slot) until `end`. */
export interface TrackedRun {
  /** Runs started, this one included: the ledger's count, not the receive count. */
  readonly attempts: number;
  /**
   * The handler outlived the run (it ran past its timeout, or the worker stopped waiting for it):
   * JavaScript cannot stop it, so `end` keeps the run's slots, renewing their leases, until
   * `returned` settles. No other run of its key starts beside it; if the process dies, the leases
   * end as a crashed run's do.
   */
  keepSlotsUntil(returned: Promise<void>): void;
  /** Starts the run's heartbeat, which calls `onCancel` once it reads a cancel request. */
  watch(onCancel: () => void): void;
  /** Stores the handler's progress (coalesced, see {@link RunHeartbeat}). */
  progress(json: string): void;
  /** Whether the job was asked to cancel (read now unless a beat already saw it). */
  cancelRequested(): Promise<boolean>;
  /**
   * Records how the run ended and frees its slots (once the handler returned, see
   * {@link keepSlotsUntil}). Never throws: a failed write is logged.
   */
  end(end: RunEnd): Promise<void>;
}

export interface JobTrackingOptions {
  /**
   * How long a run's lease outlasts the job's timeout, and how far each renewal of a kept slot
   * reaches.
   * @default 30000
   */
  readonly leaseMarginMs?: number;
  /** How often a running attempt reads its entry for a cancel request. @default 2000 */
  readonly cancelCheckMs?: number;
}

/**
 * What the ledger says about running a job now. `skip`: it already succeeded, was skipped or
 * died (a duplicate delivery), or a later job of its debounce key superseded it. `run` with
 * `throttledMs`: its rate limit held it that long before its reserved start. `wait`: another
 * run holds it or all its slots, or its rate limit holds it; it goes back on the queue without
 * costing an attempt. `poison`: the delivery can never run (a key function that
 * throws). `collision`: its job id is another job's in the ledger (another job name, queue or
 * payload): it must not run under that id, nor be dropped as that job's duplicate.
 */
export type Begin =
  | { readonly kind: "run"; readonly run: TrackedRun; readonly throttledMs?: number }
  | { readonly kind: "skip"; readonly status: FinalStatus }
  | Wait
  | { readonly kind: "poison"; readonly error: Error }
  | { readonly kind: "collision"; readonly error: SqsJobsError };

export interface TrackedDelivery {
  readonly jobId: string;
  readonly queueUrl: string;
  /** The validated payload, for the concurrency key. */
  readonly payload: unknown;
  /** The payload as the message carried it (parsed), for the payload hash. */
  readonly rawPayload: unknown;
  /** The message came back from a dead-letter queue. */
  readonly redriven: boolean;
  /** A run of a periodic schedule with `overlap: "skip"`: the schedule's name. */
  readonly skipOverlapOf: string | undefined;
}

type Claimed = Extract<Claim, { readonly kind: "claimed" }> & {
  /** How long the run waited for its reserved rate-limit start, if it did. */
  readonly throttledMs?: number;
};

export interface BeginOptions {
  /**
   * How long a rate-limited run may wait in place for a start that is not due yet (its key's
   * next start is reserved for it); a start further off sends the job back to the queue.
   * @default 0
   */
  readonly rateWaitMs?: number;
}

/**
 * The batch core's collaborator for jobs on a queue with a ledger: claims a run before the
 * handler, records its end after. It decides nothing about retries or dead-lettering.
 */
export class JobTracking {
  readonly #connect: LedgerConnect;
  readonly #log: LevelLogger;
  readonly #leaseMarginMs: number;
  readonly #cancelCheckMs: number | undefined;
  /** Rate-limit keys' next starts as this consumer's runs last saw them. */
  readonly #seenNextStarts = new SeenNextStarts();
  /** Slots kept for handlers that outlived their runs, each settled once freed. */
  readonly #kept = new Set<Promise<void>>();

  constructor(connect: LedgerConnect, logger: LevelLogger, options: JobTrackingOptions = {}) {
    this.#connect = connect;
    this.#log = logger;
    this.#leaseMarginMs = options.leaseMarginMs ?? LEASE_MARGIN_MS;
    this.#cancelCheckMs = options.cancelCheckMs;
  }

  /** The job's ledger entry (a consistent read), for a delivery of a finished job. */
  async stored(jobId: string): Promise<StoredJob | undefined> {
    return (await this.#connect()).get(jobId);
  }

  /** The ledger, for the flow records kept beside the jobs' (flow-tracking.ts). */
  get ledger(): LedgerConnect {
    return this.#connect;
  }

  /** Resolves once no slot is kept for a handler that outlived its run. */
  async slotsFreed(): Promise<void> {
    while (this.#kept.size > 0) await Promise.all(this.#kept);
  }

  /**
   * Takes the schedule's overlap slot (a scheduled run with `overlap: "skip"`) and a concurrency
   * slot if the job has a limit, then claims the run. Whatever throws (DynamoDB, a non-Error)
   * propagates after the slots taken are freed: the caller counts it as a failed attempt.
   */
  async begin(job: HandledJob, delivery: TrackedDelivery, options: BeginOptions = {}): Promise<Begin> {
    const ledger = await this.#connect();
    const runToken = randomUUID();
    const queue = queueNameOf(delivery.queueUrl);
    // Slots this run holds, freed when it ends (or now, if it does not start).
    const slots: { key: string; n: number }[] = [];
    const releaseAll = () => Promise.all(slots.map((slot) => this.#release(ledger, job, slot, runToken)));
    let claim: Begin | Claimed;
    try {
      const rateWaitMs = options.rateWaitMs ?? 0;
      claim = await this.#claim(ledger, job, delivery, { runToken, queue, rateWaitMs }, slots);
    } catch (error) {
      await releaseAll();
      throw error;
    }
    if (claim.kind !== "claimed") {
      await releaseAll();
      return claim;
    }
    const { attempts } = claim;
    // Cancelled while it waited out a retry's backoff, or while its previous run crashed: the run
    // is ours only to record that it ends here.
    if (claim.cancelRequested) {
      const ended = await this.#endCancelled(ledger, delivery.jobId, queue, runToken);
      await releaseAll();
      if (ended) return { kind: "skip", status: "cancelled" };
      // Kept on the queue, so that a later delivery records the end (once this claim's lease ends).
      return {
        kind: "wait",
        delaySeconds: SLOT_WAIT_SECONDS,
        why: "a cancelled job's end could not be recorded",
      };
    }
    // Loaded with the ledger: it needs the DynamoDB SDK, which a consumer without a ledger never loads.
    const { RunHeartbeat } = await import("./run-heartbeat.ts");
    const heartbeat = new RunHeartbeat(ledger, delivery.jobId, runToken, this.#log, {
      ...(this.#cancelCheckMs === undefined ? {} : { cancelCheckMs: this.#cancelCheckMs }),
    });
    let returned: Promise<void> | undefined;
    return {
      kind: "run",
      ...(claim.throttledMs === undefined ? {} : { throttledMs: claim.throttledMs }),
      run: {
        attempts,
        keepSlotsUntil: (handlerReturned) => {
          returned = handlerReturned;
        },
        watch: (onCancel) => heartbeat.start(onCancel),
        progress: (json) => heartbeat.report(json),
        cancelRequested: () => heartbeat.cancelRequested(),
        end: async (end) => {
          await heartbeat.stop();
          try {
            const held = await ledger.finish(delivery.jobId, queue, runToken, end);
            if (!held) {
              this.#log.warn(
                "sqs-jobs: this run's lease on the job expired and another run took it; its outcome stands",
                {
                  jobId: delivery.jobId,
                  status: end.status,
                },
              );
            }
          } catch (error) {
            this.#log.error(
              "sqs-jobs could not record a job's outcome in the ledger; it reads as running until its lease ends",
              {
                jobId: delivery.jobId,
                status: end.status,
                error: describeError(error).message,
              },
            );
          }
          if (returned === undefined || slots.length === 0) await releaseAll();
          else this.#keep(ledger, job, slots, runToken, returned);
        },
      },
    };
  }

  /** Ends a claimed run as cancelled before its handler starts; false when the write failed. */
  async #endCancelled(ledger: Ledger, jobId: string, queue: string, runToken: string): Promise<boolean> {
    try {
      await ledger.finish(jobId, queue, runToken, { status: "cancelled" });
      return true;
    } catch (error) {
      this.#log.warn("sqs-jobs could not record a cancelled job's end; its next delivery tries again", {
        jobId,
        error: describeError(error).message,
      });
      return false;
    }
  }

  /**
   * Notes in the job's entry that its rate limit sent it back to the queue for `delaySeconds`
   * (`getJob`'s `throttledUntil`). Never throws: the note is only shown.
   */
  async recordThrottled(job: HandledJob, jobId: string, delaySeconds: number): Promise<void> {
    try {
      await recordThrottled(await this.#connect(), jobId, new Date(Date.now() + delaySeconds * 1000));
    } catch (error) {
      this.#log.warn("sqs-jobs could not note a throttled job in the ledger", {
        jobName: job.name,
        jobId,
        error: describeError(error).message,
      });
    }
  }

  /** The slots, then the claim; every slot taken is in `slots` before the next write. */
  async #claim(
    ledger: Ledger,
    job: HandledJob,
    delivery: TrackedDelivery,
    {
      runToken,
      queue,
      rateWaitMs,
    }: { readonly runToken: string; readonly queue: string; readonly rateWaitMs: number },
    slots: { key: string; n: number }[],
  ): Promise<Begin | Claimed> {
    const leaseMs = job.timeoutSeconds * 1000 + this.#leaseMarginMs;
    const payloadHash =
      delivery.rawPayload === undefined ? undefined : parsedPayloadHash(delivery.rawPayload);
    if (job.debounce !== undefined) {
      const replaced = await supersededBy(ledger, job, job.debounce, { ...delivery, queue });
      if (replaced !== undefined) return replaced;
    }
    if (delivery.skipOverlapOf !== undefined) {
      // Per queue: a schedule of the same name on another queue is another schedule.
      const key = `schedule:${queue}:${delivery.skipOverlapOf}`;
      const n = await ledger.takeSlot(job.name, key, 1, runToken, leaseMs);
      if (n === undefined) {
        const found = await ledger.recordSkipped({
          jobId: delivery.jobId,
          job: job.name,
          queue,
          payloadHash,
        });
        // The retry of a run that failed (a timeout whose handler still works keeps the slot)
        // is no new run to skip: it waits for the slot, at no attempt.
        if (found === "retrying") {
          return { kind: "wait", delaySeconds: SLOT_WAIT_SECONDS, why: "the schedule's slot is still held" };
        }
        return { kind: "skip", status: "skipped" };
      }
      slots.push({ key, n });
    }
    if (job.concurrency !== undefined) {
      const key = payloadKey("concurrency", job.name, job.concurrency.key, delivery.payload);
      if (typeof key !== "string") return key;
      const n = await ledger.takeSlot(job.name, key, job.concurrency.limit, runToken, leaseMs);
      if (n === undefined) {
        // Jitter spreads the waiting jobs' next tries, so they do not all meet the slot at once.
        const jitter = Math.floor(Math.random() * 3);
        return {
          kind: "wait",
          delaySeconds: SLOT_WAIT_SECONDS + jitter,
          why: "every concurrency slot is taken",
        };
      }
      slots.push({ key, n });
    }
    let startedAt: number | undefined;
    let throttledMs: number | undefined;
    if (job.rateLimit !== undefined) {
      const { payload } = delivery;
      const token = await rateToken(ledger, job, job.rateLimit, {
        payload,
        runToken,
        maxWaitMs: rateWaitMs,
        seen: this.#seenNextStarts,
      });
      if (token.kind !== "taken") return token;
      startedAt = token.at;
      // A reserved start: nobody else's, so the run waits for it, holding its slots, and starts then.
      const waitMs = token.at - Date.now();
      if (waitMs > 0) {
        throttledMs = waitMs;
        await sleep(waitMs);
      }
    }
    const claim = await ledger.claim({
      ...(startedAt === undefined ? {} : { startedAt }),
      jobId: delivery.jobId,
      job: job.name,
      queue,
      runToken,
      leaseMs,
      payloadHash,
      redriven: delivery.redriven,
    });
    switch (claim.kind) {
      case "claimed":
        return throttledMs === undefined ? claim : { ...claim, throttledMs };
      case "finished":
        return { kind: "skip", status: claim.status };
      case "busy":
        // Back when the other run's lease ends at the latest, sooner for a run that may end
        // sooner: a quarter of the job's timeout, so quick jobs' duplicates clear quickly and
        // slow ones' cost few rereads.
        return {
          kind: "wait",
          delaySeconds: Math.min(
            MAX_WAIT_SECONDS,
            Math.ceil(claim.leaseEndsInMs / 1000) + 1,
            Math.max(SLOT_WAIT_SECONDS, Math.ceil(job.timeoutSeconds / 4)),
          ),
          why: "another delivery of this job is running",
        };
      case "collision":
        return { kind: "collision", error: jobIdReusedError(delivery.jobId, claim.differs) };
    }
  }

  /**
   * Keeps a run's slots until its handler returns: renews their leases a third of the margin
   * apart (one write per slot each time), then frees them.
   */
  #keep(
    ledger: Ledger,
    job: HandledJob,
    slots: readonly { key: string; n: number }[],
    runToken: string,
    returned: Promise<void>,
  ): void {
    let held = slots;
    const renew = async () => {
      const lost: { key: string; n: number }[] = [];
      for (const slot of held) {
        try {
          const kept = await ledger.renewSlot(job.name, slot.key, slot.n, runToken, this.#leaseMarginMs);
          if (!kept) lost.push(slot);
        } catch (error) {
          this.#log.warn("sqs-jobs could not renew a kept concurrency slot; it tries again", {
            jobName: job.name,
            error: describeError(error).message,
          });
        }
      }
      if (lost.length === 0) return;
      held = held.filter((slot) => !lost.includes(slot));
      this.#log.error(
        "sqs-jobs: a timed-out handler still works, but its slot's lease ended and another run took it; they overlap",
        { jobName: job.name, slots: lost.length },
      );
    };
    let renewing = Promise.resolve();
    const timer = setInterval(() => {
      renewing = renewing.then(renew);
    }, this.#leaseMarginMs / 3);
    // The timer alone must not keep a stopping process alive: if it exits, the leases just end.
    timer.unref();
    const freed = returned
      .catch(() => undefined)
      .then(async () => {
        clearInterval(timer);
        // A renewal still in flight would find the slot freed and report it lost.
        await renewing;
        await Promise.all(held.map((slot) => this.#release(ledger, job, slot, runToken)));
      })
      .finally(() => this.#kept.delete(freed));
    this.#kept.add(freed);
  }

  /** A slot that cannot be freed ends with its lease. */
  async #release(
    ledger: Ledger,
    job: HandledJob,
    slot: { key: string; n: number },
    runToken: string,
  ): Promise<void> {
    try {
      await ledger.releaseSlot(job.name, slot.key, slot.n, runToken);
    } catch (error) {
      this.#log.warn("sqs-jobs could not free a concurrency slot; it frees itself when its lease ends", {
        jobName: job.name,
        error: describeError(error).message,
      });
    }
  }
}
