import { setTimeout as sleep } from "node:timers/promises";
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SendMessageBatchResult,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { classifyFailure, describeAwsError, isQueueMissing } from "../core/aws-errors.ts";
import { QueueNotFoundError } from "../core/errors.ts";
import { exponentialBackoff } from "../core/retry.ts";
import { SQS_BATCH_MAX_ENTRIES } from "../core/sqs-limits.ts";
import { type AttemptWatch, watchAttempts } from "./attempt-watch.ts";
import type { PreparedMessage } from "./message.ts";

export interface BatchSendSettings {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Largest request payload: the sum of the entries' sizes. */
  readonly maxRequestBytes: number;
  readonly concurrency: number;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
  readonly onProgress: ((done: number, total: number) => void) | undefined;
}

export type SendBatchItemResult =
  | {
      readonly index: number;
      readonly ok: true;
      readonly jobId: string;
      readonly messageId: string;
      /**
       * True when an earlier try of this item ended without an answer (a 5xx, a reset, a timeout),
       * so SQS may hold a second copy. Consumers see jobs at least once anyway; this says where.
       */
      readonly possibleDuplicate: boolean;
    }
  | {
      readonly index: number;
      readonly ok: false;
      readonly jobId: string;
      /** Payload-free reason, e.g. "ThrottlingException: Rate exceeded (after 6 tries)". */
      readonly error: string;
      /** True when a try may have reached SQS although none was acknowledged. */
      readonly possibleDuplicate: boolean;
    };

export interface SendBatchResult {
  /** One result per payload, in input order. */
  readonly items: readonly SendBatchItemResult[];
  readonly succeeded: number;
  readonly failed: number;
}

interface Pending {
  readonly index: number;
  readonly message: PreparedMessage;
  tries: number;
  ambiguous: boolean;
}

/** Packs messages greedily into requests of at most 10 entries and `maxBytes` bytes. */
export function chunkMessages<T extends { readonly message: PreparedMessage }>(
  items: readonly T[],
  maxBytes: number,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = item.message.sizeBytes;
    if (current.length === SQS_BATCH_MAX_ENTRIES || (current.length > 0 && bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function toEntry(p: Pending, id: number): SendMessageBatchRequestEntry {
  const m = p.message;
  return {
    Id: String(id),
    MessageBody: m.body,
    MessageAttributes: m.attributes,
    DelaySeconds: m.delaySeconds,
    MessageGroupId: m.groupId,
    MessageDeduplicationId: m.dedupId,
  };
}

/**
 * Sends prepared messages with bounded concurrency. Entries SQS refuses for a transient reason
 * (throttling, internal errors) and whole requests that fail transiently are retried with
 * exponential backoff; everything else ends in the result with its error. No item is dropped.
 */
export async function sendPrepared(
  messages: readonly PreparedMessage[],
  settings: BatchSendSettings,
): Promise<SendBatchResult> {
  const results: SendBatchItemResult[] = new Array(messages.length);
  let done = 0;
  const record = (result: SendBatchItemResult) => {
    results[result.index] = result;
    done++;
  };
  const queue: Pending[][] = chunkMessages(
    messages.map((message, index) => ({ index, message, tries: 0, ambiguous: false })),
    settings.maxRequestBytes,
  );
  let inFlight = 0;
  let fatal: unknown;
  const failed = new Set<number>();
  const isFailed = (p: Pending) => failed.has(p.index);
  const fail = (p: Pending, error: string) => {
    failed.add(p.index);
    record({ index: p.index, ok: false, jobId: p.message.jobId, error, possibleDuplicate: p.ambiguous });
  };

  const sendChunk = async (chunk: Pending[]): Promise<Pending[]> => {
    for (const p of chunk) p.tries++;
    let response: SendMessageBatchResult;
    const attempts: AttemptWatch = { ambiguous: false };
    try {
      const command = new SendMessageBatchCommand({
        QueueUrl: settings.queueUrl,
        Entries: chunk.map(toEntry),
      });
      watchAttempts(command, attempts);
      response = await settings.sqs.send(command);
    } catch (error) {
      if (attempts.ambiguous) for (const p of chunk) p.ambiguous = true;
      if (isQueueMissing(error)) throw new QueueNotFoundError(settings.queueUrl, { cause: error });
      const kind = classifyFailure(error);
      const retry: Pending[] = [];
      for (const p of chunk) {
        if (kind === "ambiguous") p.ambiguous = true;
        if (kind !== "final" && p.tries <= settings.maxRetries) retry.push(p);
        else fail(p, `${describeAwsError(error)}${p.tries > 1 ? ` (after ${p.tries} tries)` : ""}`);
      }
      return retry;
    }
    // A retry within the call after an attempt without an answer may have stored every entry twice.
    if (attempts.ambiguous) for (const p of chunk) p.ambiguous = true;
    const retry: Pending[] = [];
    for (const s of response.Successful ?? []) {
      const p = chunk[Number(s.Id)];
      if (p !== undefined) {
        record({
          index: p.index,
          ok: true,
          jobId: p.message.jobId,
          messageId: s.MessageId ?? "",
          possibleDuplicate: p.ambiguous,
        });
      }
    }
    for (const f of response.Failed ?? []) {
      const p = chunk[Number(f.Id)];
      if (p === undefined) continue;
      if (f.SenderFault !== true && p.tries <= settings.maxRetries) retry.push(p);
      else
        fail(
          p,
          `${f.Code ?? "Failed"}: ${f.Message ?? "no message"}${p.tries > 1 ? ` (after ${p.tries} tries)` : ""}`,
        );
    }
    // An entry in neither list was not acknowledged: treat it like an ambiguous failure.
    for (const p of chunk) {
      if (results[p.index] === undefined && !retry.includes(p) && !isFailed(p)) {
        p.ambiguous = true;
        if (p.tries <= settings.maxRetries) retry.push(p);
        else fail(p, "SQS acknowledged neither success nor failure for this entry");
      }
    }
    return retry;
  };

  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (fatal !== undefined) return;
      while (inFlight < settings.concurrency && queue.length > 0) {
        const chunk = queue.shift() as Pending[];
        inFlight++;
        sendChunk(chunk)
          .then(async (retry) => {
            settings.onProgress?.(done, messages.length);
            if (retry.length > 0) {
              const tries = Math.max(...retry.map((p) => p.tries));
              await sleep(exponentialBackoff({ base: settings.retryBaseMs, max: 5_000 }, tries));
              queue.push(...chunkMessages(retry, settings.maxRequestBytes));
            }
          })
          .catch((error: unknown) => {
            fatal = error;
            reject(error);
          })
          .finally(() => {
            inFlight--;
            if (queue.length === 0 && inFlight === 0) resolve();
            else pump();
          });
      }
      if (queue.length === 0 && inFlight === 0) resolve();
    };
    pump();
  });

  const succeeded = results.reduce((n, r) => n + (r.ok ? 1 : 0), 0);
  return { items: results, succeeded, failed: messages.length - succeeded };
}
