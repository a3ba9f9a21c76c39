import { setTimeout as delay } from "node:timers/promises";
import { describeAwsError } from "../core/aws-errors.ts";
import { SendError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import { mapLimitSettled } from "../core/map-limit.ts";
import { exponentialBackoff } from "../core/retry.ts";
import { keyFor, payloadHash } from "../ledger/job-key.ts";
import type { KeyHold, Ledger } from "../ledger/ledger.ts";
import type { PreparedMessage } from "./message.ts";

/** How many messages reserve their keys at once for a batch. */
const RESERVE_CONCURRENCY = 16;

/**
 * How long a key stays pending for a send before it reads as held: the ledger write, SendMessage
 * with the SDK's retries, and the confirm fit well within 30 s; a batch gets 10 ms more per job
 * for its requests. Another send of the key waits at most this long (only when the first
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
export interface Reservation {
  readonly toSend: (Reserved & { readonly index: number })[];
  readonly deduplicated: Deduplicated[];
  /**
   * When the send must have ended (epoch ms): the first lease of a key taken, less a margin for
   * the confirm. Undefined when no key was taken.
   */
  readonly sendBy: number | undefined;
}

/** Messages whose key another job holds: they are not sent; `heldBy` is that job's id. */
export interface Deduplicated {
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
 * Before a send on a queue with a ledger: reserves each message's keys (a message whose key is
 * held is left out and reported; one whose key is pending for another send waits for that send
 * to confirm or release it), then records the rest as `queued`, so a consumer never meets a job
 * the ledger does not know. `runsAt` (a job sent for later) moves the entry's expiry and the
 * key's window to start when the job is due instead of now.
 *
 * @throws {SqsJobsError} `ERR_JOB_KEY`: a unique key function threw or returned no key (nothing sent, no key kept)
 * @throws {SendError} the ledger could not be written (nothing sent, `maybeSent` false)
 */
export async function reserveAndRecord(
  ledger: Ledger,
  job: JobDefinition,
  messages: readonly PreparedMessage[],
  target: ReserveTarget,
): Promise<Reservation> {
  const reserved = messages.map((message) => ({ message, keys: keysOf(job, message, target) }));
  const pendingMs = PENDING_BASE_MS + PENDING_PER_JOB_MS * messages.length;
  // Two jobs of one batch with one key: the later one is deduplicated onto the earlier at once
  // (its key is pending until this very call has sent the batch).
  const ours = new Set(messages.map((m) => m.jobId));
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
  { pendingMs, ours }: { readonly pendingMs: number; readonly ours: ReadonlySet<string> },
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
    releaseKeys(
      ledger,
      unsent.flatMap((r) => r.keys.map((key) => ({ jobId: r.message.jobId, key }))),
    ),
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
  const keys = maybe.flatMap((r) => r.keys.map((key) => ({ jobId: r.message.jobId, key })));
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

/** What a delivery did with a job: SQS has it, may have it, or certainly has not. */
export type Delivered = "sent" | "maybe" | "unsent";

/**
 * Delivers jobs {@link reserveAndRecord} recorded, then settles their keys: confirmed for the
 * jobs that reached SQS, given back (with their entries) for those that certainly did not, so a
 * resend is not answered `deduplicated` onto a job that never existed, and for those that may
 * have, see {@link settleMaybeSent}. When the delivery throws, the jobs did not reach the queue
 * unless the error says they may have (a {@link SendError} with `maybeSent`): a queue that does
 * not exist, a refusal, a schedule whose target could not be built. `deliver` gets a signal
 * that aborts at the keys' deadline (`sendBy`): a send still running then may have reached SQS,
 * and is answered so (`maybeSent`) before the lease ends and other sends read the keys as held.
 * When it returns, `outcome`
 * says what it did with the job at each index of `reserved` (a batch's items), else all were sent.
 */
export async function deliverReserved<T>(
  ledger: Ledger,
  { toSend: reserved, sendBy }: Reservation,
  deliver: (signal: AbortSignal | undefined) => Promise<T>,
  outcome: (result: T, index: number) => Delivered = () => "sent",
): Promise<T> {
  let result: T;
  try {
    result = await deliver(
      sendBy === undefined ? undefined : AbortSignal.timeout(Math.max(0, sendBy - Date.now())),
    );
  } catch (error) {
    if (error instanceof SendError && error.maybeSent) await settleMaybeSent(ledger, reserved);
    else await forgetUnsent(ledger, reserved);
    throw error;
  }
  const by = (what: Delivered) => reserved.filter((_, index) => outcome(result, index) === what);
  await Promise.all([
    confirmKeys(
      ledger,
      by("sent").flatMap((r) => r.keys.map((key) => ({ jobId: r.message.jobId, key }))),
    ),
    settleMaybeSent(ledger, by("maybe")),
    forgetUnsent(ledger, by("unsent")),
  ]);
  return result;
}
