import { describeAwsError } from "../core/aws-errors.ts";
import { SendError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import { mapLimitSettled } from "../core/map-limit.ts";
import { keyFor, payloadHash } from "../ledger/job-key.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { PreparedMessage } from "./message.ts";

/** How many unique keys are reserved at once for a batch. */
const RESERVE_CONCURRENCY = 16;

/** A message to send, with the unique key it holds (if its job has one). */
export interface Reserved {
  readonly message: PreparedMessage;
  readonly uniqueKey: string | undefined;
}

/** Messages whose key another job holds: they are not sent; `heldBy` is that job's id. */
export interface Deduplicated {
  readonly index: number;
  readonly heldBy: string;
}

/**
 * Before a send on a queue with a ledger: reserves each message's unique key (a message whose key
 * is held is left out and reported), then records the rest as `queued`, so a consumer never
 * meets a job the ledger does not know. `runsAt` (a job sent for later) moves the entry's expiry
 * and the key's window to start when the job is due instead of now.
 *
 * @throws {JobKeyError} a unique key function threw or returned no key (nothing sent, no key kept)
 * @throws {SendError} the ledger could not be written (nothing sent, `maybeSent` false)
 */
export async function reserveAndRecord(
  ledger: Ledger,
  job: JobDefinition,
  queue: string,
  messages: readonly PreparedMessage[],
  runsAt: Date | undefined,
): Promise<{ toSend: (Reserved & { readonly index: number })[]; deduplicated: Deduplicated[] }> {
  const unique = job.unique;
  const keys = messages.map((m) =>
    unique === undefined ? undefined : keyFor("unique", job.name, unique.key, m.value),
  );
  const toSend: (Reserved & { index: number })[] = [];
  const deduplicated: Deduplicated[] = [];
  // Every key whose reservation was tried: one that failed without an answer may be held anyway.
  const tried: Reserved[] = [];
  try {
    if (unique === undefined) {
      messages.forEach((message, index) => {
        toSend.push({ index, message, uniqueKey: undefined });
      });
    } else {
      // Settled: a failure stops further reservations but waits for those in flight, so the
      // undo below sees every key taken.
      await mapLimitSettled(messages, RESERVE_CONCURRENCY, async (message, index) => {
        const key = keys[index] as string;
        tried.push({ message, uniqueKey: key });
        const heldBy = await ledger.reserveUnique(job.name, key, message.jobId, unique.windowSeconds, runsAt);
        if (heldBy === undefined) toSend.push({ index, message, uniqueKey: key });
        else deduplicated.push({ index, heldBy });
      });
      toSend.sort((a, b) => a.index - b.index);
    }
    await ledger.recordQueued(
      toSend.map(({ message, uniqueKey }) => ({
        jobId: message.jobId,
        job: job.name,
        queue,
        payloadHash: payloadHash(message.payloadJson),
        runsAt,
        uniqueKey,
      })),
    );
  } catch (error) {
    // Releases are conditional on the job id, so a key another job holds is left alone.
    await forgetUnsent(ledger, job, unique === undefined ? toSend : tried);
    throw new SendError(
      `recording job "${job.name}" in the job ledger (${ledger.tableName}) failed, so nothing was sent: ${describeAwsError(error)}`,
      { cause: error, maybeSent: false },
    );
  }
  return { toSend, deduplicated };
}

/**
 * Undoes {@link reserveAndRecord} for messages that certainly did not reach SQS: their entries
 * and unique keys go, so a resend is not taken for a duplicate. Best effort: what cannot be
 * removed expires (the key with its window, the entry by TTL).
 */
export async function forgetUnsent(
  ledger: Ledger,
  job: JobDefinition,
  unsent: readonly Reserved[],
): Promise<void> {
  if (unsent.length === 0) return;
  await Promise.allSettled([
    ledger.forgetQueued(unsent.map((r) => r.message.jobId)),
    ...unsent.map((r) =>
      r.uniqueKey === undefined ? undefined : ledger.releaseUnique(job.name, r.uniqueKey, r.message.jobId),
    ),
  ]);
}

/**
 * Delivers jobs {@link reserveAndRecord} recorded. When the delivery throws, they did not reach
 * the queue unless the error says they may have (a {@link SendError} with `maybeSent`): a queue
 * that does not exist, a refusal, a schedule whose target could not be built. Their entries and
 * keys then go before the error is rethrown, so a resend is not answered `deduplicated` onto a
 * job that never existed.
 */
export async function deliverReserved<T>(
  ledger: Ledger,
  job: JobDefinition,
  reserved: readonly Reserved[],
  deliver: () => Promise<T>,
): Promise<T> {
  try {
    return await deliver();
  } catch (error) {
    if (!(error instanceof SendError && error.maybeSent)) await forgetUnsent(ledger, job, reserved);
    throw error;
  }
}
