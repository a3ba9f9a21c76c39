import { setTimeout as delay } from "node:timers/promises";
import type { JobDefinition } from "../core/job.ts";
import { exponentialBackoff } from "../core/retry.ts";
import { keyFor } from "../ledger/job-key.ts";
import type { KeyHold, Ledger } from "../ledger/ledger.ts";
import type { PreparedMessage } from "./message.ts";

/**
 * The keys a job holds in the ledger while it is sent (its unique key, its FIFO deduplication id)
 * and the conditional writes that take, confirm and give them back.
 */

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

export function keysOf(job: JobDefinition, message: PreparedMessage, target: ReserveTarget): HeldKey[] {
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
export async function reserveKeys(
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
 * Undoes the reserve step for messages that certainly did not reach SQS: their entries
 * and keys go, so a resend is not taken for a duplicate. Best effort: what cannot be removed
 * expires (a key with its window, the entry by TTL).
 */
export async function forgetUnsent(ledger: Ledger, unsent: readonly Reserved[]): Promise<void> {
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
export async function confirmKeys(ledger: Ledger, keys: readonly KeyOf[]): Promise<void> {
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
export async function settleMaybeSent(ledger: Ledger, maybe: readonly Reserved[]): Promise<void> {
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

export function keysOfAll(reserved: readonly Reserved[]): KeyOf[] {
  return reserved.flatMap((r) => r.keys.map((key) => ({ jobId: r.message.jobId, key })));
}
