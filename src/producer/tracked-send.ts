import { setTimeout as delay } from "node:timers/promises";
import { describeAwsError } from "../core/aws-errors.ts";
import { SendError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import { mapLimitSettled } from "../core/map-limit.ts";
import { exponentialBackoff } from "../core/retry.ts";
import { keyFor, payloadHash } from "../ledger/job-key.ts";
import type { KeyHold, Ledger } from "../ledger/ledger.ts";
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

/**
 * SQS FIFO queues drop a message whose deduplication id they saw in the last 5 minutes. Its
 * reservation is confirmed after SQS accepted the job, so it ends after SQS's interval; the
 * margin covers the difference between this host's clock and SQS's.
 */
const FIFO_DEDUP_WINDOW_SECONDS = 300 + 5;

/**
 * A key a message holds in the ledger: its job's unique key (`scope` is the job's name), or on a
 * FIFO queue its message group and deduplication id (`scope` is `fifo/<queue>`: no job name holds a "/").
 */
export interface HeldKey extends KeyHold {
  readonly scope: string;
  readonly key: string;
  /** A FIFO deduplication id: SQS deduplicates on it too. */
  readonly sqsDeduplicates: boolean;
}

/** A message to send, with the keys it holds. */
export interface Reserved {
  readonly message: PreparedMessage;
  readonly keys: readonly HeldKey[];
}

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

/** Where and how a batch of messages goes: what decides the keys they hold. */
export interface ReserveTarget {
  /** The queue's name, as the ledger lists jobs under it. */
  readonly queue: string;
  /** When the jobs are due, if later than now. */
  readonly runsAt: Date | undefined;
  /**
   * SQS itself deduplicates these messages by their MessageDeduplicationId (a FIFO queue, sent
   * now: a schedule's send carries none).
   */
  readonly sqsDeduplicates: boolean;
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
   * @throws {JobKeyError} a unique key function threw or returned no key (nothing sent, no key kept)
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
    await ledger.recordQueued(
      toSend.map(({ message, keys }) => ({
        jobId: message.jobId,
        job: job.name,
        queue: target.queue,
        payloadHash: payloadHash(message.payloadJson),
        runsAt: target.runsAt,
        uniqueKey: keys.find((k) => k.scope === job.name)?.key,
      })),
    );
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

function keysOf(job: JobDefinition, message: PreparedMessage, target: ReserveTarget): HeldKey[] {
  const keys: HeldKey[] = [];
  const { unique } = job;
  if (unique !== undefined) {
    keys.push({
      scope: job.name,
      key: keyFor("unique", job.name, unique.key, message.value),
      windowSeconds: unique.windowSeconds,
      runsAt: target.runsAt,
      sqsDeduplicates: false,
    });
  }
  if (target.sqsDeduplicates && message.dedupId !== undefined) {
    keys.push({
      scope: `fifo/${target.queue}`,
      // Per message group: on a queue whose DeduplicationScope is `messageGroup` SQS delivers one
      // id in two groups, so a key per queue would answer the second `deduplicated` onto a job
      // that is not it, and lose it. (With the queue-wide scope a repeat in another group is
      // dropped by SQS unseen here: its entry stays `queued`, but nothing is lost.)
      key: JSON.stringify([message.groupId ?? "", message.dedupId]),
      windowSeconds: FIFO_DEDUP_WINDOW_SECONDS,
      sqsDeduplicates: true,
    });
  }
  return keys;
}

/**
 * Takes a message's keys in order; returns the id of the job holding one it could not take
 * (after giving back those it took), else when the first lease of those it took ends. A key
 * pending for another send is tried again with backoff until that send confirms it (held),
 * releases it (taken) or its lease ends (held): bounded by the lease.
 */
async function reserveKeys(
  ledger: Ledger,
  r: Reserved,
  { pendingMs, ours }: { readonly pendingMs: number; readonly ours: ReadonlyMap<string, unknown> },
): Promise<{ readonly heldBy: string } | { readonly leaseEnds: number }> {
  const jobId = r.message.jobId;
  let taken: { readonly key: HeldKey; readonly leaseEnds: number }[] = [];
  const giveBack = async () => {
    await releaseKeys(
      ledger,
      taken.map(({ key }) => ({ jobId, key })),
    );
    taken = [];
  };
  for (let round = 1; taken.length < r.keys.length; ) {
    const key = r.keys[taken.length] as HeldKey;
    const before = Date.now();
    const found = await ledger.reserveUnique(key.scope, key.key, jobId, { ...key, pendingMs });
    if (found.kind === "taken") {
      taken.push({ key, leaseEnds: before + pendingMs });
      continue;
    }
    if (found.kind === "held" || ours.has(found.by)) {
      await giveBack();
      return { heldBy: found.by };
    }
    // Keys taken before a wait are given back first (their lease would run out while waiting),
    // and taken again after it.
    await giveBack();
    await delay(Math.min(exponentialBackoff({ base: 20, max: 1_000 }, round++), found.endsInMs));
  }
  return { leaseEnds: Math.min(...taken.map((t) => t.leaseEnds)) };
}

/**
 * Undoes {@link reserveAndRecord} for messages that certainly did not reach SQS: their entries
 * and keys go, so a resend is not taken for a duplicate. Best effort: what cannot be removed
 * expires (a key with its window, the entry by TTL).
 */
async function forgetUnsent(ledger: Ledger, unsent: readonly Reserved[]): Promise<void> {
  if (unsent.length === 0) return;
  await Promise.allSettled([
    ledger.forgetQueued(unsent.map((r) => r.message.jobId)),
    releaseKeys(ledger, keysOfAll(unsent)),
  ]);
}

interface KeyOf {
  readonly jobId: string;
  readonly key: HeldKey;
}

/** Frees keys (conditional on the job id, so a key another job holds is left alone). */
async function releaseKeys(ledger: Ledger, keys: readonly KeyOf[]): Promise<void> {
  await Promise.allSettled(keys.map(({ jobId, key }) => ledger.releaseUnique(key.scope, key.key, jobId)));
}

/**
 * Confirms keys of jobs that reached SQS or may have: they read as held from now on. Best
 * effort: a confirm that fails leaves the key pending until its lease ends, and then it reads as
 * held all the same.
 */
async function confirmKeys(ledger: Ledger, keys: readonly KeyOf[]): Promise<void> {
  await Promise.allSettled(
    keys.map(({ jobId, key }) => ledger.confirmUnique(key.scope, key.key, jobId, key)),
  );
}

/**
 * Where a job may be on the queue: its unique key is kept (a resend is answered `deduplicated`,
 * never sent twice), but its FIFO deduplication id is given back, so a resend goes to SQS with
 * the same id and SQS itself drops it if the first arrived: SQS's own remedy for a send without
 * an answer, which holding the id here would turn into a lost job when the first did not arrive.
 */
async function settleMaybeSent(ledger: Ledger, maybe: readonly Reserved[]): Promise<void> {
  const keys = keysOfAll(maybe);
  await Promise.all([
    confirmKeys(
      ledger,
      keys.filter((k) => !k.key.sqsDeduplicates),
    ),
    releaseKeys(
      ledger,
      keys.filter((k) => k.key.sqsDeduplicates),
    ),
  ]);
}

function keysOfAll(reserved: readonly Reserved[]): KeyOf[] {
  return reserved.flatMap((r) => r.keys.map((key) => ({ jobId: r.message.jobId, key })));
}
