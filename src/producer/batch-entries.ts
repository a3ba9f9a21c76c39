import type { PreparedMessage } from "./message.ts";

/** A job of a batch on its way: how often it went out, and whether a try may have stored it. */
export interface Pending {
  readonly index: number;
  readonly message: PreparedMessage;
  tries: number;
  ambiguous: boolean;
}

/** What one batch request said: SQS's SendMessageBatch and SNS's PublishBatch answer alike. */
export interface BatchAnswer {
  readonly Successful?: readonly {
    readonly Id?: string | undefined;
    readonly MessageId?: string | undefined;
  }[];
  readonly Failed?: readonly {
    readonly Id?: string | undefined;
    readonly Code?: string | undefined;
    readonly Message?: string | undefined;
    readonly SenderFault?: boolean | undefined;
  }[];
}

/** What one request said about one entry. */
export type EntryOutcome =
  | { readonly kind: "ok"; readonly messageId: string }
  | { readonly kind: "deduplicated"; readonly heldBy: string }
  | { readonly kind: "refused"; readonly error: unknown }
  | { readonly kind: "retry" }
  | { readonly kind: "failed"; readonly error: string };

export const RETRY: EntryOutcome = { kind: "retry" };

export function tried(error: string, tries: number): string {
  return tries > 1 ? `${error} (after ${tries} tries)` : error;
}

/** Maps a batch answer's Successful and Failed lists back to the entries, in request order. */
export function readResponse(
  entries: readonly Pending[],
  response: BatchAnswer,
  maxRetries: number,
): EntryOutcome[] {
  const outcomes = new Array<EntryOutcome | undefined>(entries.length);
  for (const s of response.Successful ?? []) {
    const i = Number(s.Id);
    if (i >= 0 && i < entries.length) outcomes[i] = { kind: "ok", messageId: s.MessageId ?? "" };
  }
  for (const f of response.Failed ?? []) {
    const i = Number(f.Id);
    const p = entries[i];
    if (p === undefined) continue;
    outcomes[i] =
      f.SenderFault !== true && p.tries <= maxRetries
        ? RETRY
        : { kind: "failed", error: `${f.Code ?? "Failed"}: ${f.Message ?? "no message"}` };
  }
  // An entry in neither list was not acknowledged: treat it like an ambiguous failure.
  return entries.map((p, i) => {
    const outcome = outcomes[i];
    if (outcome !== undefined) return outcome;
    p.ambiguous = true;
    return p.tries <= maxRetries
      ? RETRY
      : { kind: "failed", error: "the service acknowledged neither success nor failure for this entry" };
  });
}

/** Why a job of a FIFO group was not sent after an earlier one of its group failed for good. */
export function notSent(failedIndex: number): string {
  return `not sent: job ${failedIndex} of the same message group failed, and sending this one would break the group's order`;
}
