import { describeAwsError } from "../core/aws-errors.ts";
import { SendError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import { mapLimitSettled } from "../core/map-limit.ts";
import type { ChildEntry } from "../ledger/flow-writes.ts";
import { payloadHash } from "../ledger/job-key.ts";
import type { Ledger } from "../ledger/ledger.ts";
import {
  confirmKeys,
  forgetUnsent,
  type HeldKey,
  keysOf,
  keysOfAll,
  type Reserved,
  type ReserveTarget,
  reserveKeys,
  settleMaybeSent,
} from "./held-keys.ts";
import type { PreparedMessage } from "./message.ts";
import type { DeliveredAs, Opening, SendGate } from "./send-gate.ts";

/** How many messages of a delivery unit reserve their keys at once. */
const RESERVE_CONCURRENCY = 16;

/**
 * How long a key stays pending for a send before it reads as held: the ledger write, SendMessage
 * with the SDK's retries, and the confirm fit well within 30 s; a delivery unit (at most 10 jobs)
 * gets 10 ms more per job. Another send of the key waits at most this long (only when the first
 * producer died mid-send or its confirm was lost: else it waits for one send's duration).
 */
const PENDING_BASE_MS = 30_000;
const PENDING_PER_JOB_MS = 10;
/** Time kept between a send's deadline and its keys' lease end, for the confirm write and clock skew. */
const SEND_MARGIN_MS = 5_000;

/** What {@link reserveAndRecord} did: the jobs to send, and those answered `deduplicated`. */
interface Reservation {
  readonly toSend: Reserved[];
  readonly deduplicated: Deduplicated[];
  /**
   * When the send must have ended (epoch ms): the first lease of a key taken, less a margin for
   * the confirm. Undefined when no key was taken.
   */
  readonly sendBy: number | undefined;
}

/** Messages whose key another job holds: they are not sent; `heldBy` is that job's id. */
interface Deduplicated {
  readonly index: number;
  readonly heldBy: string;
}

/**
 * The send pipeline's reserve and record steps on a queue with a ledger ({@link SendGate}).
 * Before a unit goes out it reserves each job's keys (a job whose key is held is answered
 * `deduplicated`, one whose key is pending for another send waits for that send to confirm or
 * release it) and records the rest as `queued`, so a consumer never meets a job the ledger does
 * not know. After, it confirms the keys of jobs that reached SQS, gives back (with their entries)
 * those of jobs that certainly did not, so a resend is not answered `deduplicated` onto a job that
 * never existed, and for jobs that may have, see {@link settleMaybeSent}.
 */
export class LedgerGate implements SendGate {
  readonly #ledger: Ledger;
  readonly #job: JobDefinition;
  readonly #target: ReserveTarget;
  /** Every job's keys, by job id: the jobs of this send. */
  readonly #keys = new Map<string, readonly HeldKey[]>();
  /** Jobs opened and not closed yet, by job id. */
  readonly #open = new Map<string, Reserved>();

  /**
   * Computes every job's keys before anything goes out.
   * @throws {SqsJobsError} `ERR_JOB_KEY`: a unique key function threw or returned no key (nothing sent, no key kept)
   */
  constructor(
    ledger: Ledger,
    job: JobDefinition,
    messages: readonly PreparedMessage[],
    target: ReserveTarget,
  ) {
    this.#ledger = ledger;
    this.#job = job;
    this.#target = target;
    for (const message of messages) this.#keys.set(message.jobId, keysOf(job, message, target));
  }

  async open(messages: readonly PreparedMessage[]): Promise<Opening> {
    const reserved = messages.map((message) => ({ message, keys: this.#keys.get(message.jobId) ?? [] }));
    const reservation = await reserveAndRecord(this.#ledger, this.#job, reserved, this.#target, this.#keys);
    for (const r of reservation.toSend) this.#open.set(r.message.jobId, r);
    const heldBy = new Array<string | undefined>(messages.length);
    for (const d of reservation.deduplicated) heldBy[d.index] = d.heldBy;
    return { heldBy, sendBy: reservation.sendBy };
  }

  async close(settled: readonly { readonly message: PreparedMessage; readonly as: DeliveredAs }[]) {
    const by: Record<DeliveredAs, Reserved[]> = { sent: [], maybe: [], unsent: [] };
    for (const { message, as } of settled) {
      const r = this.#open.get(message.jobId);
      if (r === undefined) continue;
      this.#open.delete(message.jobId);
      by[as].push(r);
    }
    await Promise.all([
      confirmKeys(this.#ledger, keysOfAll(by.sent)),
      settleMaybeSent(this.#ledger, by.maybe),
      forgetUnsent(this.#ledger, by.unsent),
    ]);
  }

  /**
   * The jobs did not reach the queue unless the error says they may have (a {@link SendError}
   * with `maybeSent`): a queue that does not exist, a refusal.
   */
  async abandon(error: unknown): Promise<void> {
    const rest = [...this.#open.values()];
    this.#open.clear();
    if (error instanceof SendError && error.maybeSent) await settleMaybeSent(this.#ledger, rest);
    else await forgetUnsent(this.#ledger, rest);
  }
}

/**
 * Reserves the keys of one delivery unit and records the jobs that hold them as `queued`.
 * `ours` holds every job id of the send: two jobs of one send with one key, the later is
 * deduplicated onto the earlier at once (its key is pending until this very send has sent it).
 *
 * @throws {SendError} the ledger could not be written (nothing sent, `maybeSent` false)
 */
async function reserveAndRecord(
  ledger: Ledger,
  job: JobDefinition,
  reserved: readonly Reserved[],
  target: ReserveTarget,
  ours: ReadonlyMap<string, unknown>,
): Promise<Reservation> {
  const pendingMs = PENDING_BASE_MS + PENDING_PER_JOB_MS * reserved.length;
  const toSend: (Reserved & { index: number })[] = [];
  let leaseEnds = Number.POSITIVE_INFINITY;
  const deduplicated: Deduplicated[] = [];
  // Every message whose reservation was tried: a write that failed without an answer may hold anyway.
  const tried: Reserved[] = [];
  try {
    // Settled: a failure stops further reservations but waits for those in flight, so the undo
    // below sees every key taken.
    await mapLimitSettled(reserved, RESERVE_CONCURRENCY, async (r, index) => {
      tried.push(r);
      const found = await reserveKeys(ledger, r, { pendingMs, ours });
      if ("heldBy" in found) deduplicated.push({ index, heldBy: found.heldBy });
      else {
        toSend.push({ index, ...r });
        leaseEnds = Math.min(leaseEnds, found.leaseEnds);
      }
    });
    toSend.sort((a, b) => a.index - b.index);
    const entries = toSend.map(({ message, keys }) => ({
      jobId: message.jobId,
      job: job.name,
      queue: target.queue,
      payloadHash: payloadHash(message.payloadJson),
      runsAt: target.runsAt,
      uniqueKey: keys.find((k) => k.scope === job.name)?.key,
      flow: message.flow,
    }));
    await ledger.recordQueued(entries.filter((e) => e.flow === undefined));
    // A flow's jobs have derived ids: one its parent sent before and a consumer took is not sent again.
    const children = entries.filter((e) => e.flow !== undefined) as ChildEntry[];
    const started =
      children.length === 0
        ? new Set<string>()
        : await (await import("../ledger/flow-writes.ts")).recordChildren(ledger, children);
    for (const r of toSend.filter((r) => started.has(r.message.jobId))) {
      deduplicated.push({ index: r.index, heldBy: r.message.jobId });
    }
    toSend.splice(0, toSend.length, ...toSend.filter((r) => !started.has(r.message.jobId)));
  } catch (error) {
    // Releases are conditional on the job id, so a key another job holds is left alone.
    await forgetUnsent(ledger, tried);
    throw new SendError(
      `recording job "${job.name}" in the job ledger (${ledger.tableName}) failed, so nothing was sent: ${describeAwsError(error)}`,
      { cause: error, maybeSent: false },
    );
  }
  const sendBy = leaseEnds === Number.POSITIVE_INFINITY ? undefined : leaseEnds - SEND_MARGIN_MS;
  return { toSend, deduplicated, sendBy };
}
