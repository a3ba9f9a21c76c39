import { ConfigError, InvalidOptionError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import { recordLatest } from "../ledger/debounce.ts";
import { keyFor } from "../ledger/job-key.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { SendBatchOptions } from "./job-client-options.ts";
import type { PreparedMessage } from "./message.ts";
import type { Delivered } from "./send-result.ts";

/**
 * A debounced job's send options: it waits `debounce.seconds` (SQS's delay up to 900 s, a
 * schedule past that, as any `delaySeconds` does).
 * @throws {ConfigError} the queue is FIFO, which has no per-message delay
 * @throws {InvalidOptionError} the call sets its own delay
 */
export function debouncedOptions(
  job: JobDefinition,
  options: SendBatchOptions,
  fifo: boolean,
): SendBatchOptions {
  if (job.debounce === undefined) return options;
  if (fifo) {
    throw new ConfigError(
      `job "${job.name}" is debounced, which needs a standard queue: a FIFO queue has no per-message delay`,
    );
  }
  if (options.delaySeconds !== undefined || options.at !== undefined) {
    throw new InvalidOptionError(
      `job "${job.name}" is debounced: it runs debounce.seconds (${job.debounce.seconds}) after its send; send it without delaySeconds or at`,
    );
  }
  return { ...options, delaySeconds: job.debounce.seconds };
}

/**
 * Each message's debounce key, by job id, computed before anything is sent.
 * @throws {SqsJobsError} `ERR_JOB_KEY`: the key function threw or returned no key
 */
export function debounceKeys(job: JobDefinition, messages: readonly PreparedMessage[]): Map<string, string> {
  const keys = new Map<string, string>();
  const { debounce } = job;
  if (debounce === undefined) return keys;
  for (const m of messages) keys.set(m.jobId, keyFor("debounce", job.name, debounce.key, m.value));
  return keys;
}

/**
 * Records the last job that reached the queue for each debounce key of a send (one write per
 * key): in the call's order, so of one `sendBatch` the last payload of a key is the one to run.
 * After the send, so a key never names a job that was never sent.
 */
export async function recordDebounced(
  ledger: Ledger | undefined,
  job: JobDefinition,
  keys: ReadonlyMap<string, string>,
  items: readonly Delivered[],
): Promise<void> {
  if (ledger === undefined || job.debounce === undefined) return;
  const runsAt = new Date(Date.now() + job.debounce.seconds * 1000);
  const last = new Map<string, { index: number; jobId: string }>();
  for (const item of items) {
    if (!("jobId" in item) || !item.ok) continue;
    const key = keys.get(item.jobId);
    const seen = key === undefined ? undefined : last.get(key);
    if (key !== undefined && (seen === undefined || seen.index < item.index)) {
      last.set(key, { index: item.index, jobId: item.jobId });
    }
  }
  for (const [key, { jobId }] of last) await recordLatest(ledger, { job: job.name, key, jobId, runsAt });
}
