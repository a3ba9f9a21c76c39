import { setTimeout as sleep } from "node:timers/promises";
import {
  DeleteMessageBatchCommand,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { describeAwsError, toOpsError } from "../core/aws-errors.ts";
import { REASON_ATTRIBUTE_NAMES, REDRIVEN_ATTRIBUTE } from "../core/dead-letter-attributes.ts";
import { messageBytes } from "../core/message-size.ts";
import { plural } from "../core/plural.ts";
import { matchesFilter } from "./dead-letter-filter.ts";
import { toDeadLetterRecord } from "./dead-letter-record.ts";
import type { QueueRef } from "./queue-ref.ts";
import type { RedriveOptions, RedriveProgress } from "./redrive-options.ts";
import { receiveBatch, restoreVisibility, type ScannedMessage } from "./scan.ts";
import { type QueueDepth, queueDepth } from "./stats.ts";

/** SendMessageBatch's limit on the whole request (AWS-FACTS: 1 MiB). */
const MAX_BATCH_BYTES = 1_048_576;
/** Seconds a received DLQ message stays hidden while it is copied, or held when filtered out. */
const HOLD_SECONDS = 120;

type Counts = { moved: number; skipped: number; failed: number; returned: number };

/**
 * The client-side move: receive from the DLQ, copy each matching message with SendMessageBatch,
 * delete only the originals whose copies were acknowledged. Messages filtered out or not copied
 * are held until the end (so the scan does not meet them again) and then made visible again.
 *
 * A run moves what the DLQ held when it started, each message at most once: it considers at most
 * as many messages as the DLQ counted at its start, and a copy it made that is dead-lettered
 * again while it runs (same message id when SQS's RedrivePolicy moved it, same job id when the
 * sqs-jobs consumer did) is held and left in the DLQ, never moved again. Without that, a job
 * that fails again within a second comes back faster than the DLQ empties and is moved forever.
 *
 * On a FIFO DLQ a held message hides the rest of its group, so a group moves in order up to its
 * first message that is filtered out or fails, and the rest of it stays: moving them would let
 * later jobs of the group overtake an earlier one.
 */
export async function clientSideMove(
  sqs: SQSClient,
  options: RedriveOptions,
): Promise<RedriveProgress & { returned: number; errors: string[] }> {
  const counts: Counts = { moved: 0, skipped: 0, failed: 0, returned: 0 };
  const errors: string[] = [];
  const held = new Map<string, ScannedMessage>();
  let atStart: QueueDepth;
  try {
    atStart = await queueDepth(sqs, options.dlq.url);
  } catch (error) {
    throw toOpsError(error, { what: `counting the messages of ${options.dlq.name}`, queue: options.dlq.url });
  }
  const state: PassState = {
    counts,
    errors,
    held,
    blockedGroups: new Set(),
    startedAt: Date.now(),
    // In-flight and delayed messages become receivable during the run and were there at its start.
    budget: atStart.visible + atStart.inFlight + atStart.delayed,
    seen: new Set(),
    copyIds: new Set(),
    movedJobIds: new Set(),
  };
  try {
    await onePass(sqs, options, state);
  } finally {
    await restoreVisibility(sqs, options.dlq.url, [...held.values()]).catch((error: unknown) => {
      errors.push(
        `could not make held messages visible again (they reappear within ${HOLD_SECONDS} s): ${describeAwsError(error)}`,
      );
    });
  }
  return { ...counts, errors };
}

interface PassState {
  counts: Counts;
  errors: string[];
  held: Map<string, ScannedMessage>;
  /** FIFO groups with a held message: their later messages are held too, so none overtakes it. */
  blockedGroups: Set<string>;
  startedAt: number;
  /** Messages the DLQ held at the start: the run considers no more originals than that. */
  budget: number;
  /** Message ids of the originals considered (moved, skipped or failed). */
  seen: Set<string>;
  /** Message ids of the copies this run sent: SQS's RedrivePolicy keeps the id when it dead-letters. */
  copyIds: Set<string>;
  /** Job ids this run moved: the sqs-jobs consumer dead-letters a new message with the same body. */
  movedJobIds: Set<string>;
}

function hold(state: PassState, message: ScannedMessage): void {
  state.held.set(message.MessageId, message);
  const group = message.Attributes?.MessageGroupId;
  if (group !== undefined) state.blockedGroups.add(group);
}

/** A copy this run made that was dead-lettered again before the run ended. */
function cameBack(state: PassState, message: ScannedMessage): boolean {
  if (state.copyIds.has(message.MessageId)) return true;
  const jobId = toDeadLetterRecord(message).jobId;
  return jobId !== undefined && state.movedJobIds.has(jobId);
}

async function onePass(sqs: SQSClient, options: RedriveOptions, state: PassState): Promise<void> {
  const rate = options.maxPerSecond;
  let empty = 0;
  const ids = options.filter?.messageIds;
  // A move of named messages ends once it has met them all, not after a pass over the whole DLQ.
  const allNamedSeen = (): boolean => ids !== undefined && [...ids].every((id) => state.seen.has(id));
  while (empty < 2 && state.seen.size < state.budget && !allNamedSeen()) {
    if (rate !== undefined) {
      const due = state.startedAt + (state.counts.moved / rate) * 1_000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const left = state.budget - state.seen.size;
    let batch: ScannedMessage[];
    try {
      batch = await receiveBatch(sqs, options.dlq.url, {
        max: Math.min(10, left, rate === undefined ? 10 : Math.max(1, Math.floor(rate))),
        visibilitySeconds: HOLD_SECONDS,
        waitSeconds: empty > 0 ? 1 : 0,
      });
    } catch (error) {
      throw toOpsError(error, { what: `receiving from ${options.dlq.name}`, queue: options.dlq.url });
    }
    const fresh: ScannedMessage[] = [];
    for (const m of batch) {
      if (state.held.has(m.MessageId)) {
        state.held.set(m.MessageId, m);
      } else if (state.seen.has(m.MessageId)) {
        // Moved already, but its delete failed and it reappeared: left where it is (and reported).
        state.held.set(m.MessageId, m);
      } else if (cameBack(state, m)) {
        // Left in the DLQ where it belongs: it failed again after this run moved it.
        hold(state, m);
        state.counts.returned++;
      } else if (state.seen.size < state.budget) {
        state.seen.add(m.MessageId);
        fresh.push(m);
      } else {
        // Arrived after the start: the next run moves it, this one does not grow with the DLQ.
        state.held.set(m.MessageId, m);
      }
    }
    empty = fresh.length === 0 ? empty + 1 : 0;
    const toMove: { message: ScannedMessage; destination: QueueRef }[] = [];
    for (const message of fresh) {
      const group = message.Attributes?.MessageGroupId;
      const blocked = group !== undefined && state.blockedGroups.has(group);
      if (blocked || !matchesFilter(toDeadLetterRecord(message), options.filter)) {
        hold(state, message);
        state.counts.skipped++;
        continue;
      }
      const destination = destinationOf(message, options);
      if (destination === undefined) {
        hold(state, message);
        state.counts.failed++;
        state.errors.push(
          `${message.MessageId}: ${options.dlq.name} serves several queues and the message does not say which it came from; pass --to`,
        );
        continue;
      }
      toMove.push({ message, destination });
    }
    for (const destination of new Set(toMove.map((m) => m.destination))) {
      const group = toMove.filter((m) => m.destination === destination).map((m) => m.message);
      await copyThenDelete(sqs, options.dlq, destination, group, state);
    }
    options.onProgress?.({ ...state.counts });
  }
}

function destinationOf(message: ScannedMessage, options: RedriveOptions): QueueRef | undefined {
  if (options.to !== undefined) return options.to;
  if (options.sources.length === 1) return options.sources[0];
  const recorded = toDeadLetterRecord(message).sourceQueue;
  return options.sources.find((s) => s.url === recorded || s.name === recorded || s.arn === recorded);
}

function copyEntry(
  message: ScannedMessage,
  index: number,
  destination: QueueRef,
): SendMessageBatchRequestEntry {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (REASON_ATTRIBUTE_NAMES.has(name)) continue;
    attributes[name] = {
      DataType: value.DataType,
      StringValue: value.StringValue,
      BinaryValue: value.BinaryValue,
    };
  }
  attributes[REDRIVEN_ATTRIBUTE] = { DataType: "String", StringValue: new Date().toISOString() };
  const entry: SendMessageBatchRequestEntry = {
    Id: String(index),
    MessageBody: message.Body ?? "",
    MessageAttributes: attributes,
  };
  if (destination.fifo) {
    entry.MessageGroupId = message.Attributes?.MessageGroupId;
    // Derived from the DLQ message, so a move retried after a crash within SQS's 5-minute window
    // is deduplicated; never the original's id, which SQS may still remember and silently drop.
    entry.MessageDeduplicationId = `redrive-${message.MessageId}`;
  }
  return entry;
}

async function copyThenDelete(
  sqs: SQSClient,
  dlq: QueueRef,
  destination: QueueRef,
  messages: readonly ScannedMessage[],
  state: PassState,
): Promise<void> {
  const entries = messages.map((m, i) => copyEntry(m, i, destination));
  const chunks: SendMessageBatchRequestEntry[][] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = messageBytes(entry.MessageBody ?? "", entry.MessageAttributes);
    const last = chunks[chunks.length - 1];
    if (last === undefined || bytes + size > MAX_BATCH_BYTES) {
      chunks.push([entry]);
      bytes = size;
    } else {
      last.push(entry);
      bytes += size;
    }
  }
  for (const chunk of chunks) {
    const invalid = chunk.filter((e) => destination.fifo && e.MessageGroupId === undefined);
    const sendable = chunk.filter((e) => !invalid.includes(e));
    for (const entry of invalid)
      fail(
        messages[Number(entry.Id)],
        state,
        `${destination.name} is FIFO but the message has no group id; pass --to a standard queue`,
      );
    if (sendable.length === 0) continue;
    let acknowledged: string[];
    try {
      const out = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: destination.url, Entries: sendable }),
      );
      acknowledged = (out.Successful ?? []).map((s) => s.Id ?? "");
      for (const copy of out.Successful ?? []) {
        if (copy.MessageId !== undefined) state.copyIds.add(copy.MessageId);
        const jobId = toDeadLetterRecord(messages[Number(copy.Id)] ?? {}).jobId;
        if (jobId !== undefined) state.movedJobIds.add(jobId);
      }
      for (const f of out.Failed ?? [])
        fail(
          messages[Number(f.Id)],
          state,
          `copy refused by ${destination.name}: ${f.Code} ${f.Message ?? ""}`.trim(),
        );
    } catch (error) {
      // No answer means no acknowledgement: every original stays in the DLQ.
      for (const entry of sendable)
        fail(
          messages[Number(entry.Id)],
          state,
          `copy to ${destination.name} failed: ${describeAwsError(error)}`,
        );
      continue;
    }
    await deleteOriginals(
      sqs,
      dlq,
      acknowledged.map((id) => messages[Number(id)]).filter((m) => m !== undefined),
      state,
    );
  }
}

function fail(message: ScannedMessage | undefined, state: PassState, why: string): void {
  if (message === undefined) return;
  hold(state, message);
  state.counts.failed++;
  state.errors.push(`${message.MessageId}: ${why}`);
}

async function deleteOriginals(
  sqs: SQSClient,
  dlq: QueueRef,
  copied: readonly ScannedMessage[],
  state: PassState,
): Promise<void> {
  if (copied.length === 0) return;
  try {
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: dlq.url,
        Entries: copied.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    state.counts.moved += out.Successful?.length ?? 0;
    for (const f of out.Failed ?? []) {
      const m = copied[Number(f.Id)];
      state.counts.moved++;
      state.errors.push(
        `${m?.MessageId}: copied, but the DLQ original could not be deleted (${f.Code}); it will be redriven twice if moved again`,
      );
    }
  } catch (error) {
    state.counts.moved += copied.length;
    state.errors.push(
      `${plural(copied.length, "message")} copied, but deleting the DLQ originals failed (${describeAwsError(error)}); they reappear in the DLQ as duplicates`,
    );
  }
}
