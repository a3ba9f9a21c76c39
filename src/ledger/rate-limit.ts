import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { N, readNumber, readString, S } from "./attribute-values.ts";
import type { Ledger } from "./ledger.ts";
import { jobItemKey, LEDGER_KEY, LEDGER_TTL_ATTRIBUTE, rateItemKey } from "./table-layout.ts";

/** What a rate-limited run found: its token (`at`, epoch ms, is its start), or how long until the next. */
export type RateToken =
  | { readonly kind: "taken"; readonly at: number }
  | { readonly kind: "throttled"; readonly waitMs: number };

/**
 * Takes a key's next start: one conditional write to the key's one item, `nextAt <= now`, that
 * moves `nextAt` one spacing (`perSeconds / limit`) on. Starts of a key are therefore at least a
 * spacing apart, so no window of `perSeconds` holds more than `limit` of them (docs/pacing.md,
 * "Why spaced starts"). A refused write returns the item, whose `nextAt` says how long to wait:
 * no second call.
 */
export async function takeRateToken(
  ledger: Ledger,
  request: {
    readonly job: string;
    readonly key: string;
    readonly spacingMs: number;
    readonly runToken: string;
  },
): Promise<RateToken> {
  const now = Date.now();
  const next = now + request.spacingMs;
  const itemKey = { [LEDGER_KEY]: S(rateItemKey(request.job, request.key)) };
  const write = await ledger.conditionalWrite(
    new UpdateItemCommand({
      TableName: ledger.tableName,
      Key: itemKey,
      UpdateExpression: "SET nextAt = :next, runToken = :token, #ttl = :ttl",
      ConditionExpression: "attribute_not_exists(nextAt) OR nextAt <= :now",
      ExpressionAttributeNames: { "#ttl": LEDGER_TTL_ATTRIBUTE },
      ExpressionAttributeValues: {
        ":now": N(now),
        ":next": N(next),
        ":token": S(request.runToken),
        // A day past the next start: an idle key's item goes, and a new one starts at once.
        ":ttl": N(Math.ceil(next / 1000) + 86_400),
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    }),
    itemKey,
  );
  if (write.applied) return { kind: "taken", at: now };
  // Our own token: the SDK retried a write that was applied but whose answer was lost.
  if (readString(write.old, "runToken") === request.runToken) {
    return { kind: "taken", at: (readNumber(write.old, "nextAt") ?? next) - request.spacingMs };
  }
  const nextAt = readNumber(write.old, "nextAt") ?? next;
  // From the answer's arrival, not the request's: the write's round trip is already waited.
  return { kind: "throttled", waitMs: Math.max(1, nextAt - Date.now()) };
}

/** The time between two starts of a key: at least `perSeconds / limit`, in whole milliseconds. */
export function rateSpacingMs(limit: number, perSeconds: number): number {
  return Math.ceil((perSeconds * 1000) / limit);
}

/**
 * Notes on a job's entry that its rate limit sent it back to the queue until `until`, for
 * `getJob` and the dashboard; only a queued or retrying entry (a write that finds none changes
 * nothing). One write per hand-back, none for waits in place.
 */
export async function recordThrottled(ledger: Ledger, jobId: string, until: Date): Promise<void> {
  const itemKey = { [LEDGER_KEY]: S(jobItemKey(jobId)) };
  await ledger.conditionalWrite(
    new UpdateItemCommand({
      TableName: ledger.tableName,
      Key: itemKey,
      UpdateExpression: "SET throttledUntil = :until",
      ConditionExpression: "#status IN (:queued, :retrying)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":until": S(until.toISOString()),
        ":queued": S("queued"),
        ":retrying": S("retrying"),
      },
    }),
    itemKey,
  );
}
