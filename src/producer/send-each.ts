import { mapLimit } from "../core/map-limit.ts";
import { SQS_BATCH_MAX_ENTRIES } from "../core/sqs-limits.ts";
import type { PreparedMessage } from "./message.ts";
import type { ProgressReport } from "./progress.ts";
import type { DeliveredAs, SendGate } from "./send-gate.ts";
import { type Delivered, deduplicatedOnto } from "./send-result.ts";

/**
 * Delivers one job with one call (SendMessage, CreateSchedule). A failure is returned, not
 * thrown; `signal` aborts at the deadline of the job's keys.
 */
export type DeliverOne = (
  message: PreparedMessage,
  index: number,
  signal: AbortSignal | undefined,
) => Promise<Delivered>;

/** A unit opened by the gate, or the error that refused it. */
type Unit =
  | { readonly heldBy: readonly (string | undefined)[]; readonly signal: AbortSignal | undefined }
  | { readonly refused: unknown };

/**
 * The deliver step for jobs that go one call each, `concurrency` at a time, in input order. The
 * gate opens them by units of 10 (the batch size of SQS, so every path holds a key for as long):
 * a unit is opened when its first job starts and closed when its last settles. One result per
 * message, in input order: nothing is dropped.
 */
export async function deliverEach(
  messages: readonly PreparedMessage[],
  gate: SendGate,
  { concurrency, progress }: { readonly concurrency: number; readonly progress: ProgressReport },
  deliverOne: DeliverOne,
): Promise<Delivered[]> {
  const units = new Map<number, Promise<Unit>>();
  const settled = new Map<number, { message: PreparedMessage; as: DeliveredAs }[]>();
  let done = 0;
  const open = (unit: number): Promise<Unit> => {
    let opening = units.get(unit);
    if (opening === undefined) {
      const from = unit * SQS_BATCH_MAX_ENTRIES;
      opening = gate.open(messages.slice(from, from + SQS_BATCH_MAX_ENTRIES)).then(
        ({ heldBy, sendBy }): Unit => ({
          heldBy,
          signal: sendBy === undefined ? undefined : AbortSignal.timeout(Math.max(0, sendBy - Date.now())),
        }),
        (refused: unknown): Unit => ({ refused }),
      );
      units.set(unit, opening);
    }
    return opening;
  };
  return mapLimit(messages, concurrency, async (message, index) => {
    const unit = Math.floor(index / SQS_BATCH_MAX_ENTRIES);
    const opened = await open(unit);
    let outcome: Delivered;
    if ("refused" in opened) outcome = refusedBy(opened.refused, message, index);
    else {
      const heldBy = opened.heldBy[index % SQS_BATCH_MAX_ENTRIES];
      outcome =
        heldBy === undefined
          ? await deliverOne(message, index, opened.signal)
          : deduplicatedOnto(index, heldBy);
    }
    const ofUnit = settled.get(unit) ?? [];
    settled.set(unit, ofUnit);
    ofUnit.push({ message, as: deliveredAs(outcome) });
    const size = Math.min(SQS_BATCH_MAX_ENTRIES, messages.length - unit * SQS_BATCH_MAX_ENTRIES);
    if (ofUnit.length === size) await gate.close(ofUnit);
    progress.report(++done);
    return outcome;
  });
}

/** What a job's result tells the gate. */
export function deliveredAs(outcome: Delivered): DeliveredAs {
  if (outcome.ok) return "sent";
  return outcome.possibleDuplicate ? "maybe" : "unsent";
}

/** A job of a unit the gate refused (its ledger write failed): certainly not sent. */
export function refusedBy(error: unknown, message: PreparedMessage, index: number): Delivered {
  return {
    index,
    ok: false,
    jobId: message.jobId,
    error: error instanceof Error ? error.message : String(error),
    possibleDuplicate: false,
    cause: error,
  };
}
