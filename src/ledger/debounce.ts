import { GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { N, readString, S } from "./attribute-values.ts";
import { type Ledger, listKey } from "./ledger.ts";
import {
  debounceItemKey,
  jobItemKey,
  LEDGER_KEY,
  LEDGER_TTL_ATTRIBUTE,
  LIST_INDEX_KEY,
} from "./table-layout.ts";

/** Days a debounce key's item outlives its last job's run: an idle key's item goes, a late duplicate still reads it. */
const KEEP_DAYS = 1;

/**
 * Records that `jobId` is the last job sent with a debounced key (one PutItem, unconditional:
 * the last write is the last send). Written after the job reached the queue, so a key never names
 * a job that was not sent; its run is at least a second away.
 */
export async function recordLatest(
  ledger: Ledger,
  entry: { readonly job: string; readonly key: string; readonly jobId: string; readonly runsAt: Date },
): Promise<void> {
  await ledger.dynamodb.send(
    new PutItemCommand({
      TableName: ledger.tableName,
      Item: {
        [LEDGER_KEY]: S(debounceItemKey(entry.job, entry.key)),
        jobId: S(entry.jobId),
        [LEDGER_TTL_ATTRIBUTE]: N(Math.ceil(entry.runsAt.getTime() / 1000) + KEEP_DAYS * 86_400),
      },
    }),
  );
}

/** The last job sent with a debounced key, read consistently; undefined when none is recorded. */
export async function latestOf(ledger: Ledger, job: string, key: string): Promise<string | undefined> {
  const out = await ledger.dynamodb.send(
    new GetItemCommand({
      TableName: ledger.tableName,
      Key: { [LEDGER_KEY]: S(debounceItemKey(job, key)) },
      ConsistentRead: true,
    }),
  );
  return out.Item === undefined ? undefined : readString(out.Item, "jobId");
}

/**
 * Ends a job that a later job of its debounce key replaced: `superseded`, if it never started
 * (no entry, or a queued one). Returns false when it had started: it goes on as it was.
 */
export async function recordSuperseded(
  ledger: Ledger,
  entry: { readonly jobId: string; readonly job: string; readonly queue: string },
): Promise<boolean> {
  const now = new Date().toISOString();
  const itemKey = { [LEDGER_KEY]: S(jobItemKey(entry.jobId)) };
  const write = await ledger.conditionalWrite(
    new UpdateItemCommand({
      TableName: ledger.tableName,
      Key: itemKey,
      UpdateExpression:
        "SET #status = :superseded, jobId = :jobId, #job = :job, #queue = :queue, attempts = if_not_exists(attempts, :zero), createdAt = if_not_exists(createdAt, :now), updatedAt = :now, finishedAt = :now, #listKey = :listKey, #ttl = :ttl",
      ConditionExpression: "attribute_not_exists(#pk) OR #status = :queued",
      ExpressionAttributeNames: {
        "#pk": LEDGER_KEY,
        "#status": "status",
        "#job": "job",
        "#queue": "queue",
        "#listKey": LIST_INDEX_KEY,
        "#ttl": LEDGER_TTL_ATTRIBUTE,
      },
      ExpressionAttributeValues: {
        ":superseded": S("superseded"),
        ":queued": S("queued"),
        ":jobId": S(entry.jobId),
        ":job": S(entry.job),
        ":queue": S(entry.queue),
        ":zero": N(0),
        ":now": S(now),
        ":listKey": S(listKey(entry.queue, "superseded", entry.jobId)),
        ":ttl": N(ledger.expiresAt()),
      },
    }),
    itemKey,
  );
  return write.applied;
}
