import { type Item, N, readNumber, readString, S } from "./attribute-values.ts";
import { loadDynamoDbSdk } from "./dynamodb-sdk.ts";
import type { Ledger } from "./ledger.ts";
import { jobItemKey, LEDGER_KEY, LEDGER_TTL_ATTRIBUTE, rateItemKey } from "./table-layout.ts";

/** What a rate-limited run found: its start (`at`, epoch ms, now or later), or how long until the key's next. */
export type RateToken =
  | { readonly kind: "taken"; readonly at: number }
  | { readonly kind: "throttled"; readonly waitMs: number };

/**
 * Takes a key's next start (docs/pacing.md, "Why spaced starts"). The common path is one
 * conditional write to the key's one item: the next start is due (`nextAt <= now`), so the run
 * starts now and `nextAt` moves one spacing past now. When it is not due and within `maxWaitMs`,
 * a write reserves it instead: `nextAt` moves one spacing on from where it was, not from now, and
 * the run starts at the old `nextAt` (the caller waits until `at`). Waiting runs therefore line up
 * exactly a spacing apart, and no start goes unused while one waits. A start further off than
 * `maxWaitMs` is not reserved: the run is throttled.
 *
 * `seenNextAt`, the key's next start as this consumer last saw it (never later than it is: it
 * only moves on), picks the first write: a reservation when it is ahead, so a busy key costs one
 * write a start too, and none at all when it is further off than the run waits.
 */
export async function takeRateToken(
  ledger: Ledger,
  request: {
    readonly job: string;
    readonly key: string;
    readonly spacingMs: number;
    readonly runToken: string;
    /** The longest the caller waits for a start that is not due, trying included; 0 takes only a due one. */
    readonly maxWaitMs: number;
    readonly seenNextAt?: number | undefined;
  },
): Promise<RateToken> {
  const write = { ledger, itemKey: { [LEDGER_KEY]: S(rateItemKey(request.job, request.key)) }, request };
  const began = Date.now();
  let nextAt = request.seenNextAt;
  // Whether nextAt is this run's own reading, not a consumer's older one.
  let read = false;
  let roundTripMs = 0;
  for (;;) {
    const asked = Date.now();
    if (nextAt !== undefined && nextAt - asked > request.maxWaitMs) break;
    const attempt =
      nextAt !== undefined && nextAt > asked
        ? await reserveNext(write, asked)
        : nextAt === undefined || !read
          ? await takeAt(write, asked, asked)
          : // It fell due while the refusal travelled back, and the answer to a take now may come
            // too late again: if it is still due, take one a round trip ahead, or a ledger slower
            // than the spacing would never let a waiting run reserve.
            await takeAt(write, asked, asked + Math.min(roundTripMs, request.maxWaitMs));
    if (attempt.kind === "taken") return attempt;
    nextAt = attempt.nextAt;
    read = true;
    roundTripMs = Date.now() - asked;
    if (Date.now() - began >= request.maxWaitMs) break;
  }
  // From the answer's arrival, not the request's: the write's round trip is already waited.
  return { kind: "throttled", waitMs: Math.max(1, nextAt - Date.now()) };
}

interface TokenWrite {
  readonly ledger: Ledger;
  readonly itemKey: Item;
  readonly request: { readonly spacingMs: number; readonly runToken: string; readonly maxWaitMs: number };
}

type Attempt =
  | { readonly kind: "taken"; readonly at: number }
  | { readonly kind: "refused"; readonly nextAt: number };

/**
 * A start at `at` (now or later) if the key's next start is due `now`: `nextAt` becomes one
 * spacing past `at`. Due now, not by `at`: a key that another run moved on is reserved, not taken
 * at `at` with the starts before it left unused.
 */
async function takeAt({ ledger, itemKey, request }: TokenWrite, now: number, at: number): Promise<Attempt> {
  const { UpdateItemCommand } = await loadDynamoDbSdk();
  const next = at + request.spacingMs;
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
        ":ttl": N(ttlOf(next)),
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    }),
    itemKey,
  );
  return write.applied ? { kind: "taken", at } : refused(write.old, request);
}

/**
 * The key's next start, not yet due when asked and at most `maxWaitMs` off: `nextAt` moves one
 * spacing on and the run's start is the old `nextAt`. The condition names the run's own token,
 * so that a retry of a write that was applied (its answer lost) is refused, not a second start.
 */
async function reserveNext({ ledger, itemKey, request }: TokenWrite, asked: number): Promise<Attempt> {
  const { UpdateItemCommand } = await loadDynamoDbSdk();
  const latest = asked + request.maxWaitMs;
  const write = await ledger.conditionalWrite(
    new UpdateItemCommand({
      TableName: ledger.tableName,
      Key: itemKey,
      UpdateExpression: "SET nextAt = nextAt + :spacing, runToken = :token, #ttl = :ttl",
      ConditionExpression: "nextAt > :asked AND nextAt <= :latest AND runToken <> :token",
      ExpressionAttributeNames: { "#ttl": LEDGER_TTL_ATTRIBUTE },
      ExpressionAttributeValues: {
        ":asked": N(asked),
        ":latest": N(latest),
        ":spacing": N(request.spacingMs),
        ":token": S(request.runToken),
        ":ttl": N(ttlOf(latest + request.spacingMs)),
      },
      ReturnValues: "UPDATED_NEW",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    }),
    itemKey,
  );
  if (!write.applied) return refused(write.old, request);
  const next = readNumber(write.attributes, "nextAt") ?? latest + request.spacingMs;
  return { kind: "taken", at: next - request.spacingMs };
}

/** A refused write's item: our own token (the SDK retried a write that was applied), or the key's next start. */
function refused(old: Item, request: { readonly spacingMs: number; readonly runToken: string }): Attempt {
  const nextAt = readNumber(old, "nextAt") ?? 0;
  if (readString(old, "runToken") === request.runToken)
    return { kind: "taken", at: nextAt - request.spacingMs };
  return { kind: "refused", nextAt };
}

/** A day past a key's last start: an idle key's item goes, and a new one starts at once. */
function ttlOf(lastStart: number): number {
  return Math.ceil(lastStart / 1000) + 86_400;
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
  const { UpdateItemCommand } = await loadDynamoDbSdk();
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
