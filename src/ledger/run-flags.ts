import type { UpdateItemCommand, UpdateItemCommandOutput } from "@aws-sdk/client-dynamodb";
import { SqsJobsError } from "../core/errors.ts";
import { type Item, readString, S } from "./attribute-values.ts";
import { loadDynamoDbSdk } from "./dynamodb-sdk.ts";
import type { FinalStatus, JobStatus } from "./job-state.ts";
import { isConditionFailure, type Ledger } from "./ledger.ts";
import { CANCEL_ATTRIBUTE, PROGRESS_ATTRIBUTE } from "./run-attributes.ts";
import { jobItemKey, LEDGER_KEY, LIST_INDEX_KEY, listKey } from "./table-layout.ts";

/**
 * What `cancel` did. `cancelled`: the job will not run (again): it was queued or waiting out a
 * retry's backoff. `cancelling`: it was running; its attempt's heartbeat reads the request within
 * 1.25 × {@link CANCEL_CHECK_MS} (and one read) and aborts `ctx.signal`, unless the handler finishes first (its outcome
 * then stands). `finished`: it had already ended; nothing changed. `not-found`: no such job.
 */
export type CancelResult =
  | { readonly outcome: "cancelled" | "cancelling" | "not-found" }
  | { readonly outcome: "finished"; readonly status: FinalStatus };

/** How often a running attempt reads its entry for a cancel request (when no progress write did). */
export const CANCEL_CHECK_MS = 2_000;

/** Reads before `cancel` gives up on an entry whose status keeps changing under it. */
const MAX_ROUNDS = 5;

/**
 * Cancels a tracked job: one consistent read, then one conditional write that holds only if the
 * entry is still as read (so a job that finished meanwhile keeps its outcome), read again if not.
 * A queued or retrying job becomes `cancelled` and frees its unique key; a running one gets a
 * cancel request. The message of a cancelled job stays on its queue until it arrives and is dropped.
 *
 * @throws {SqsJobsError} `ERR_OPERATION`: the entry changed under every one of {@link MAX_ROUNDS} tries
 */
export async function cancelJob(ledger: Ledger, jobId: string): Promise<CancelResult> {
  const sdk = await loadDynamoDbSdk();
  const key = { [LEDGER_KEY]: S(jobItemKey(jobId)) };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const read = await ledger.client.send(
      new sdk.GetItemCommand({ TableName: ledger.tableName, Key: key, ConsistentRead: true }),
    );
    const entry = read.Item;
    const status = entry === undefined ? undefined : (readString(entry, "status") as JobStatus | undefined);
    if (entry === undefined || status === undefined) return { outcome: "not-found" };
    if (status === "queued" || status === "retrying") {
      if (await markCancelled(ledger, jobId, entry, status)) {
        const job = readString(entry, "job");
        const uniqueKey = readString(entry, "uniqueKey");
        if (job !== undefined && uniqueKey !== undefined) await ledger.releaseUnique(job, uniqueKey, jobId);
        return { outcome: "cancelled" };
      }
    } else if (status === "running") {
      if (await requestCancel(ledger, jobId)) return { outcome: "cancelling" };
    } else return { outcome: "finished", status };
  }
  throw new SqsJobsError(
    "ERR_OPERATION",
    `job ${jobId} changed status under each of ${MAX_ROUNDS} cancel tries; try again`,
  );
}

/** `queued` or `retrying` (still `was`) to `cancelled`; false when it had moved on. */
async function markCancelled(ledger: Ledger, jobId: string, entry: Item, was: JobStatus): Promise<boolean> {
  const sdk = await loadDynamoDbSdk();
  const now = new Date().toISOString();
  const queue = readString(entry, "queue") ?? "";
  const out = await conditionalUpdate(
    ledger,
    new sdk.UpdateItemCommand({
      TableName: ledger.tableName,
      Key: { [LEDGER_KEY]: S(jobItemKey(jobId)) },
      UpdateExpression:
        "SET #status = :cancelled, updatedAt = :now, finishedAt = :now, #cancel = :now, #listKey = :listKey",
      ConditionExpression: "#status = :was",
      ExpressionAttributeNames: {
        "#status": "status",
        "#cancel": CANCEL_ATTRIBUTE,
        "#listKey": LIST_INDEX_KEY,
      },
      ExpressionAttributeValues: {
        ":cancelled": S("cancelled"),
        ":was": S(was),
        ":now": S(now),
        ":listKey": S(listKey(queue, "cancelled", jobId)),
      },
    }),
  );
  return out !== undefined;
}

/** Leaves a cancel request on a running job's entry; false when it was no longer running. */
async function requestCancel(ledger: Ledger, jobId: string): Promise<boolean> {
  const sdk = await loadDynamoDbSdk();
  const out = await conditionalUpdate(
    ledger,
    new sdk.UpdateItemCommand({
      TableName: ledger.tableName,
      Key: { [LEDGER_KEY]: S(jobItemKey(jobId)) },
      UpdateExpression: "SET #cancel = if_not_exists(#cancel, :now)",
      ConditionExpression: "#status = :running",
      ExpressionAttributeNames: { "#status": "status", "#cancel": CANCEL_ATTRIBUTE },
      ExpressionAttributeValues: { ":running": S("running"), ":now": S(new Date().toISOString()) },
    }),
  );
  return out !== undefined;
}

/** Whether a cancel request is on the job's entry: one eventually consistent read of one attribute. */
export async function cancelRequested(ledger: Ledger, jobId: string): Promise<boolean> {
  const sdk = await loadDynamoDbSdk();
  const out = await ledger.client.send(
    new sdk.GetItemCommand({
      TableName: ledger.tableName,
      Key: { [LEDGER_KEY]: S(jobItemKey(jobId)) },
      ProjectionExpression: "#cancel",
      ExpressionAttributeNames: { "#cancel": CANCEL_ATTRIBUTE },
    }),
  );
  return out.Item?.[CANCEL_ATTRIBUTE] !== undefined;
}

/**
 * Stores a running attempt's progress while it holds the run (its `runToken`). Returns whether
 * it still held it, and whether a cancel request is on the entry (read back for free).
 */
export async function writeProgress(
  ledger: Ledger,
  jobId: string,
  runToken: string,
  json: string,
): Promise<{ readonly held: boolean; readonly cancelRequested: boolean }> {
  const sdk = await loadDynamoDbSdk();
  const out = await conditionalUpdate(
    ledger,
    new sdk.UpdateItemCommand({
      TableName: ledger.tableName,
      Key: { [LEDGER_KEY]: S(jobItemKey(jobId)) },
      UpdateExpression: "SET #progress = :progress",
      ConditionExpression: "runToken = :token",
      ExpressionAttributeNames: { "#progress": PROGRESS_ATTRIBUTE },
      ExpressionAttributeValues: { ":progress": S(json), ":token": S(runToken) },
      ReturnValues: "ALL_NEW",
    }),
  );
  if (out === undefined) return { held: false, cancelRequested: false };
  return { held: true, cancelRequested: out.Attributes?.[CANCEL_ATTRIBUTE] !== undefined };
}

/** The write's answer, or undefined when its condition failed. */
async function conditionalUpdate(
  ledger: Ledger,
  command: UpdateItemCommand,
): Promise<UpdateItemCommandOutput | undefined> {
  try {
    return await ledger.client.send(command);
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}
