import { setTimeout as delay } from "node:timers/promises";
import type {
  AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { mapLimitSettled } from "../core/map-limit.ts";
import { exponentialBackoff } from "../core/retry.ts";
import { type Item, N, readNumber, readString, S } from "./attribute-values.ts";
import { loadDynamoDbSdk } from "./dynamodb-sdk.ts";
import type { FinalStatus, JobFailure, JobStatus } from "./job-state.ts";
import { CANCEL_ATTRIBUTE } from "./run-attributes.ts";
import { type JobSummary, type StoredJob, toJobState, toJobSummary } from "./stored-job.ts";
import {
  jobItemKey,
  LEDGER_KEY,
  LEDGER_TTL_ATTRIBUTE,
  LIST_INDEX,
  LIST_INDEX_KEY,
  LIST_INDEX_SORT,
  LIST_SHARDS,
  listKey,
  slotItemKey,
  uniqueItemKey,
} from "./table-layout.ts";

/** BatchWriteItem calls in flight at once when a large batch is recorded. */
const RECORD_CONCURRENCY = 8;
/** Tries of a BatchWriteItem whose items DynamoDB keeps leaving unprocessed. */
const MAX_BATCH_ROUNDS = 8;

export interface LedgerConfig {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Days an entry is kept after its last change (DynamoDB's TTL deletes it later). */
  readonly retentionDays: number;
}

/** How long a unique key is held: `windowSeconds` after the job is due (`runsAt`, else now). */
export interface KeyHold {
  readonly windowSeconds: number;
  readonly runsAt?: Date | undefined;
}

/**
 * What a unique key reservation found. `taken`: this job holds it (pending). `held`: another
 * job holds it, `by` is its id. `pending`: another send holds it and has not said yet whether
 * its job reached SQS; its lease ends in `endsInMs` at most, then it reads as held.
 */
export type KeyReservation =
  | { readonly kind: "taken" }
  | { readonly kind: "held"; readonly by: string }
  | { readonly kind: "pending"; readonly by: string; readonly endsInMs: number };

/** A job the producer is about to send. */
export interface QueuedEntry {
  readonly jobId: string;
  readonly job: string;
  readonly queue: string;
  readonly payloadHash: string;
  /** When a job sent for later is due: its entry is kept for the retention after that. */
  readonly runsAt?: Date;
  /** The unique key the job holds, so cancelling it can free the key. */
  readonly uniqueKey?: string;
}

/** A scheduled run skipped for overlap; the hash is undefined for a message without a payload. */
export interface SkippedEntry extends Pick<QueuedEntry, "jobId" | "job" | "queue"> {
  readonly payloadHash: string | undefined;
}

export interface ClaimRequest {
  readonly jobId: string;
  readonly job: string;
  readonly queue: string;
  readonly runToken: string;
  /** How long the run may hold the job before another delivery may take it over. */
  readonly leaseMs: number;
  /** Undefined when the message carries no hashable payload (it then matches any entry). */
  readonly payloadHash: string | undefined;
  /** The message came back from the DLQ: a dead job may run again, its attempts from 1. */
  readonly redriven: boolean;
  /**
   * When the run started (epoch ms), if before the claim: its rate-limit token's time, so the
   * start times the ledger keeps are spaced as the tokens were.
   * @default now
   */
  readonly startedAt?: number;
}

/** What of a job's entry a delivery with the same job id disagrees with. */
export type IdCollision = "job" | "queue" | "payload";

/**
 * What a claim found. `claimed`: this run holds the job; `attempts` counts it. `finished`: the
 * job already succeeded, was skipped (or died, and this is not a redrive): nothing to run.
 * `busy`: another run holds an unexpired lease. `collision`: the entry, in whatever status, is
 * another job's: another job name, another queue (a redrive may move a job) or another payload.
 */
export type Claim =
  | { readonly kind: "claimed"; readonly attempts: number; readonly cancelRequested: boolean }
  | { readonly kind: "finished"; readonly status: FinalStatus }
  | { readonly kind: "busy"; readonly leaseEndsInMs: number }
  | { readonly kind: "collision"; readonly differs: readonly IdCollision[] };

/** How a run ended, as the ledger records it. */
export type RunEnd =
  | { readonly status: "succeeded"; readonly resultJson: string | undefined }
  | { readonly status: "retrying" | "dead"; readonly failure: JobFailure }
  // Not a failure: the failure of an earlier attempt, if any, stays on the entry.
  | { readonly status: "cancelled" };

/**
 * The job ledger: single-item conditional writes on one DynamoDB table (see table-layout.ts).
 * Every write that can race (two deliveries of one job, two producers of one unique key, a run
 * whose lease expired) is conditional, so the loser learns it lost instead of overwriting.
 */
export class Ledger {
  readonly #client: DynamoDBClient;
  readonly tableName: string;
  readonly #retentionSeconds: number;

  constructor(config: LedgerConfig) {
    this.#client = config.client;
    this.tableName = config.tableName;
    this.#retentionSeconds = config.retentionDays * 86_400;
  }

  /** The table's client, for the ledger operations kept in files of their own (run-flags.ts). */
  get client(): DynamoDBClient {
    return this.#client;
  }

  /**
   * Writes `queued` entries before their messages are sent (25 per BatchWriteItem, 8 calls at
   * once), so a consumer
   * never finds a job the ledger has not heard of. Unconditional: job ids are fresh.
   */
  async recordQueued(entries: readonly QueuedEntry[]): Promise<void> {
    const now = new Date().toISOString();
    const requests: WriteRequest[] = entries.map((e) => ({
      PutRequest: { Item: queuedItem(e, now, this.#expiresAt(e.runsAt)) },
    }));
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
    // Settled: a failure waits for the writes in flight, so the producer's undo finds them all.
    await mapLimitSettled(chunks, RECORD_CONCURRENCY, (chunk) => this.#batchWrite(chunk));
  }

  /**
   * Records a scheduled run that did not run because the schedule's previous run still worked.
   * Only a job the ledger has not seen start: a later delivery of a run that did start keeps it.
   * Returns undefined when recorded, else the status the entry already had.
   */
  async recordSkipped(entry: SkippedEntry): Promise<JobStatus | undefined> {
    const sdk = await loadDynamoDbSdk();
    const { jobId, job, queue, payloadHash: hash } = entry;
    const sameHash = hash === undefined ? "" : ` AND ${SAME_HASH}`;
    const now = new Date().toISOString();
    const write = await this.#conditional(
      new sdk.PutItemCommand({
        TableName: this.tableName,
        Item: {
          [LEDGER_KEY]: S(jobItemKey(jobId)),
          jobId: S(jobId),
          job: S(job),
          queue: S(queue),
          status: S("skipped"),
          attempts: N(0),
          ...(hash === undefined ? {} : { payloadHash: S(hash) }),
          createdAt: S(now),
          updatedAt: S(now),
          finishedAt: S(now),
          [LIST_INDEX_KEY]: S(listKey(queue, "skipped", jobId)),
          [LEDGER_TTL_ATTRIBUTE]: N(this.#expiresAt()),
        },
        // A queued entry of another job, queue or payload is left as it is.
        ConditionExpression: `attribute_not_exists(#pk) OR (#status = :queued AND ${SAME_JOB} AND ${SAME_QUEUE}${sameHash})`,
        ExpressionAttributeNames: { "#pk": LEDGER_KEY, "#status": "status", ...SAME_NAMES },
        ExpressionAttributeValues: {
          ":queued": S("queued"),
          ":job": S(job),
          ":queue": S(queue),
          ...(hash === undefined ? {} : { ":hash": S(hash) }),
        },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
      { [LEDGER_KEY]: S(jobItemKey(jobId)) },
    );
    return write.applied ? undefined : (readString(write.old, "status") as JobStatus | undefined);
  }

  /** Removes `queued` entries of jobs whose send failed for certain (never of started ones). */
  async forgetQueued(jobIds: readonly string[]): Promise<void> {
    await Promise.all(jobIds.map((jobId) => this.#deleteQueued(jobId)));
  }

  /**
   * Forgets a cancelled job that had not started: its `queued` entry goes, and the unique key it
   * held is freed (its window runs until after the job was due, so it would hold it long). The
   * entry is read first: a delete whose answer was lost is retried by the SDK and finds the entry
   * gone, and with it the key it named.
   */
  async forgetCancelled(jobId: string): Promise<void> {
    const sdk = await loadDynamoDbSdk();
    const key = { [LEDGER_KEY]: S(jobItemKey(jobId)) };
    const read = await this.#client.send(
      new sdk.GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    const entry = read.Item ?? {};
    if (readString(entry, "status") !== "queued") return;
    const write = await this.#deleteQueued(jobId);
    // Not applied and still there: the job left `queued` (its schedule fired), so its key stays.
    // Not applied and gone: this delete's own earlier attempt (its answer lost) took it: go on.
    if (!write.applied && readString(write.old, "status") !== undefined) return;
    const job = readString(entry, "job");
    const uniqueKey = readString(entry, "uniqueKey");
    if (job !== undefined && uniqueKey !== undefined) await this.releaseUnique(job, uniqueKey, jobId);
  }

  /** Deletes a job's entry if it is still `queued`; `old` is the entry when it was not (none: gone). */
  async #deleteQueued(jobId: string): Promise<WriteResult> {
    const sdk = await loadDynamoDbSdk();
    const key = { [LEDGER_KEY]: S(jobItemKey(jobId)) };
    return this.#conditional(
      new sdk.DeleteItemCommand({
        TableName: this.tableName,
        Key: key,
        ConditionExpression: "#status = :queued",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":queued": S("queued") },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
      key,
    );
  }

  /**
   * Takes a unique key for `jobId` as *pending*: held, but not yet known to be on the queue, for
   * `pendingMs` (the send's lease). The send that took it then confirms it ({@link confirmUnique})
   * or, when its job certainly did not reach SQS, releases it ({@link releaseUnique}). A pending
   * key whose lease ended (its producer died, or its confirm was lost) reads as held: its job may
   * be on the queue, so it is never taken by another (that could run it twice).
   * The key is held until `windowSeconds` after the job is due (`runsAt`, else now).
   */
  async reserveUnique(
    job: string,
    key: string,
    jobId: string,
    hold: KeyHold & { readonly pendingMs: number },
  ): Promise<KeyReservation> {
    const sdk = await loadDynamoDbSdk();
    const now = Date.now();
    const until = keyUntil(now, hold);
    const itemKey = { [LEDGER_KEY]: S(uniqueItemKey(job, key)) };
    const write = await this.#conditional(
      new sdk.PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...itemKey,
          jobId: S(jobId),
          until: N(until),
          pendingUntil: N(now + hold.pendingMs),
          [LEDGER_TTL_ATTRIBUTE]: N(Math.ceil(Math.max(until, now + hold.pendingMs) / 1000)),
        },
        ConditionExpression: "attribute_not_exists(#pk) OR #until < :now",
        ExpressionAttributeNames: { "#pk": LEDGER_KEY, "#until": "until" },
        ExpressionAttributeValues: { ":now": N(now) },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
      itemKey,
    );
    if (write.applied) return { kind: "taken" };
    const by = readString(write.old, "jobId") ?? "";
    // Our own id: an earlier attempt of this very write was applied and the SDK retried it after
    // losing the answer (a reset). The key is this job's; without this the job would be answered
    // `deduplicated` onto itself and never sent, its key held for the whole window.
    if (by === jobId) return { kind: "taken" };
    const pendingUntil = readNumber(write.old, "pendingUntil");
    // The skew allowance: the holder releases only while its lease runs by its own clock, so
    // another producer reads the lease as over only once it is over by a margin on its clock.
    if (pendingUntil !== undefined && now < pendingUntil + CLOCK_SKEW_MS) {
      return { kind: "pending", by, endsInMs: pendingUntil + CLOCK_SKEW_MS - now };
    }
    return { kind: "held", by };
  }

  /**
   * Marks a pending key as held by a job that reached SQS (or may have), for `windowSeconds`
   * from now (or from when it is due): a window that starts once the job is on the queue, so a
   * FIFO deduplication id's reservation never ends before SQS's own interval.
   */
  async confirmUnique(job: string, key: string, jobId: string, hold: KeyHold): Promise<void> {
    const sdk = await loadDynamoDbSdk();
    const until = keyUntil(Date.now(), hold);
    await this.#conditional(
      new sdk.UpdateItemCommand({
        TableName: this.tableName,
        Key: { [LEDGER_KEY]: S(uniqueItemKey(job, key)) },
        UpdateExpression: "SET #until = :until, #ttl = :ttl REMOVE pendingUntil",
        ConditionExpression: "jobId = :jobId",
        ExpressionAttributeNames: { "#until": "until", "#ttl": LEDGER_TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ":jobId": S(jobId),
          ":until": N(until),
          ":ttl": N(Math.ceil(until / 1000)),
        },
      }),
    );
  }

  /**
   * Frees a unique key whose job was never sent, or was cancelled. A pending key is freed only
   * while its lease runs: once it ended, another send may have been answered `deduplicated`
   * onto this job, and freeing the key would leave that send with no job at all.
   */
  async releaseUnique(job: string, key: string, jobId: string): Promise<void> {
    const sdk = await loadDynamoDbSdk();
    await this.#conditional(
      new sdk.DeleteItemCommand({
        TableName: this.tableName,
        Key: { [LEDGER_KEY]: S(uniqueItemKey(job, key)) },
        ConditionExpression: "jobId = :jobId AND (attribute_not_exists(pendingUntil) OR pendingUntil > :now)",
        ExpressionAttributeValues: { ":jobId": S(jobId), ":now": N(Date.now()) },
      }),
    );
  }

  /**
   * Takes the job for one run: one conditional update that starts the run and counts the
   * attempt, if the job is new to the ledger, or its entry is this job's (same job name, queue
   * and payload hash; a redriven delivery may come from another queue, `dlq redrive --to`) and
   * queued, retrying, or held by a run whose lease has expired (a crash or a timeout).
   */
  async claim(request: ClaimRequest): Promise<Claim> {
    return this.#claim(request, { mayRevive: true });
  }

  async #claim(request: ClaimRequest, { mayRevive }: { readonly mayRevive: boolean }): Promise<Claim> {
    const now = request.startedAt ?? Date.now();
    const key = { [LEDGER_KEY]: S(jobItemKey(request.jobId)) };
    const hash = request.payloadHash;
    const same = [
      SAME_JOB,
      ...(request.redriven ? [] : [SAME_QUEUE]),
      ...(hash === undefined ? [] : [SAME_HASH]),
    ];
    const write = await this.#conditional(
      await this.#startRun(request, now, {
        condition: `attribute_not_exists(#pk) OR (${same.join(" AND ")} AND (#status IN (:queued, :retrying) OR (#status = :running AND leaseUntil < :now)))`,
        attempts: "attempts = if_not_exists(attempts, :zero) + :one",
        values: {
          ":queued": S("queued"),
          ":retrying": S("retrying"),
          ":zero": N(0),
          ":now": N(now),
        },
      }),
      key,
    );
    if (write.applied) return claimed(write.attributes);
    const { old } = write;
    // Our own token: an earlier attempt of this very write was applied, and the SDK retried it
    // after losing the answer (a reset). The run is ours; without this the job would wait out
    // its own lease and lose an attempt.
    if (readString(old, "runToken") === request.runToken) return claimed(old);
    // Whatever its status: another job's entry is never taken for this one's (its success would
    // read as this job's, and this job would be dropped).
    const differs = collisionsWith(old, request);
    if (differs.length > 0) return { kind: "collision", differs };
    const status = readString(old, "status") as JobStatus | undefined;
    if (status === "running") {
      return { kind: "busy", leaseEndsInMs: Math.max(0, (readNumber(old, "leaseUntil") ?? now) - now) };
    }
    if (status === "dead" && request.redriven && mayRevive) return this.#revive(request);
    if (
      status === "succeeded" ||
      status === "dead" ||
      status === "skipped" ||
      status === "superseded" ||
      status === "cancelled"
    )
      return { kind: "finished", status };
    // Queued or retrying: the entry changed after the write failed (where the old item is read
    // back, as on dynalite: the run that held it ended meanwhile) or was gone (a producer forgot
    // it): try again shortly.
    return { kind: "busy", leaseEndsInMs: 1000 };
  }

  /**
   * Records how a run ended, if this run still holds the job. Returns false when its lease was
   * lost (it expired and another delivery took the job): the other run's outcome stands.
   */
  async finish(jobId: string, queue: string, runToken: string, end: RunEnd): Promise<boolean> {
    const sdk = await loadDynamoDbSdk();
    const now = new Date().toISOString();
    const names: Record<string, string> = {
      "#status": "status",
      "#listKey": LIST_INDEX_KEY,
      "#ttl": LEDGER_TTL_ATTRIBUTE,
    };
    const values: Record<string, AttributeValue> = {
      ":status": S(end.status),
      ":now": S(now),
      ":token": S(runToken),
      ":listKey": S(listKey(queue, end.status, jobId)),
      ":ttl": N(this.#expiresAt()),
    };
    // endedRun keeps the token, so the SDK's retry of this write after a lost answer finds its
    // own outcome recorded instead of a lost lease.
    const set = [
      "#status = :status",
      "updatedAt = :now",
      "#listKey = :listKey",
      "#ttl = :ttl",
      "endedRun = :token",
    ];
    const remove = ["runToken", "leaseUntil"];
    if (end.status !== "retrying") set.push("finishedAt = :now");
    if (end.status === "succeeded") {
      remove.push("failReason", "failName", "failMessage", "failCode");
      if (end.resultJson !== undefined) {
        set.push("#result = :result");
        names["#result"] = "result";
        values[":result"] = S(end.resultJson);
      }
    } else if ("failure" in end) {
      const f = end.failure;
      set.push("failName = :failName", "failMessage = :failMessage");
      values[":failName"] = S(f.name);
      values[":failMessage"] = S(f.message);
      for (const [attribute, value] of [
        ["failReason", f.reason],
        ["failCode", f.code],
      ] as const) {
        if (value === undefined) remove.push(attribute);
        else {
          set.push(`${attribute} = :${attribute}`);
          values[`:${attribute}`] = S(value);
        }
      }
    }
    const write = await this.#conditional(
      new sdk.UpdateItemCommand({
        TableName: this.tableName,
        Key: { [LEDGER_KEY]: S(jobItemKey(jobId)) },
        UpdateExpression: `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`,
        ConditionExpression: "runToken = :token OR (attribute_not_exists(runToken) AND endedRun = :token)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return write.applied;
  }

  /**
   * Takes one of `limit` concurrency slots of a key for a run, as a lease that expires after
   * `leaseMs` (so a crashed run frees it). Returns the slot taken, or undefined when all are held.
   */
  async takeSlot(
    job: string,
    key: string,
    limit: number,
    runToken: string,
    leaseMs: number,
  ): Promise<number | undefined> {
    const sdk = await loadDynamoDbSdk();
    const now = Date.now();
    const first = Math.floor(Math.random() * limit);
    for (let i = 0; i < limit; i++) {
      const slot = (first + i) % limit;
      const itemKey = { [LEDGER_KEY]: S(slotItemKey(job, key, slot)) };
      const write = await this.#conditional(
        new sdk.PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...itemKey,
            runToken: S(runToken),
            leaseUntil: N(now + leaseMs),
            [LEDGER_TTL_ATTRIBUTE]: N(slotExpiresAt(now + leaseMs)),
          },
          ConditionExpression: "attribute_not_exists(#pk) OR leaseUntil < :now",
          ExpressionAttributeNames: { "#pk": LEDGER_KEY },
          ExpressionAttributeValues: { ":now": N(now) },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
        itemKey,
      );
      // Our own token: an earlier attempt of this very write was applied, and the SDK retried it
      // after losing the answer. Without this the run would wait out its own lease.
      if (write.applied || readString(write.old, "runToken") === runToken) return slot;
    }
    return undefined;
  }

  /**
   * Extends the lease of a slot this run still holds to `leaseMs` from now. Returns false when it
   * no longer holds it (the lease expired and another run took the slot).
   */
  async renewSlot(
    job: string,
    key: string,
    slot: number,
    runToken: string,
    leaseMs: number,
  ): Promise<boolean> {
    const sdk = await loadDynamoDbSdk();
    const until = Date.now() + leaseMs;
    const write = await this.#conditional(
      new sdk.UpdateItemCommand({
        TableName: this.tableName,
        Key: { [LEDGER_KEY]: S(slotItemKey(job, key, slot)) },
        UpdateExpression: "SET leaseUntil = :until, #ttl = :ttl",
        ConditionExpression: "runToken = :token",
        ExpressionAttributeNames: { "#ttl": LEDGER_TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ":until": N(until),
          ":ttl": N(slotExpiresAt(until)),
          ":token": S(runToken),
        },
      }),
    );
    return write.applied;
  }

  /** Frees a slot this run holds (a slot another run took over after expiry is left alone). */
  async releaseSlot(job: string, key: string, slot: number, runToken: string): Promise<void> {
    const sdk = await loadDynamoDbSdk();
    await this.#conditional(
      new sdk.DeleteItemCommand({
        TableName: this.tableName,
        Key: { [LEDGER_KEY]: S(slotItemKey(job, key, slot)) },
        ConditionExpression: "runToken = :token",
        ExpressionAttributeValues: { ":token": S(runToken) },
      }),
    );
  }

  /** The job's entry, read consistently; undefined when the ledger has none. */
  async get(jobId: string): Promise<StoredJob | undefined> {
    const sdk = await loadDynamoDbSdk();
    const out = await this.#client.send(
      new sdk.GetItemCommand({
        TableName: this.tableName,
        Key: { [LEDGER_KEY]: S(jobItemKey(jobId)) },
        ConsistentRead: true,
      }),
    );
    return out.Item === undefined ? undefined : toJobState(out.Item);
  }

  /**
   * The most recently changed jobs of a queue in one status, newest first. Reads every shard of
   * the list index (eventually consistent, like any index). With `before`, only jobs that last
   * changed strictly before it: the next page after a job that changed at `before`.
   */
  async list(
    queue: string,
    status: JobStatus,
    limit: number,
    options: { readonly before?: Date } = {},
  ): Promise<JobSummary[]> {
    const sdk = await loadDynamoDbSdk();
    const before = options.before?.toISOString();
    const shards = await Promise.all(
      Array.from({ length: LIST_SHARDS }, async (_, shard) => {
        const out = await this.#client.send(
          new sdk.QueryCommand({
            TableName: this.tableName,
            IndexName: LIST_INDEX,
            KeyConditionExpression:
              before === undefined ? "#listKey = :listKey" : "#listKey = :listKey AND #sort < :before",
            ExpressionAttributeNames: {
              "#listKey": LIST_INDEX_KEY,
              ...(before === undefined ? {} : { "#sort": LIST_INDEX_SORT }),
            },
            ExpressionAttributeValues: {
              ":listKey": S(`${queue}#${status}#${shard}`),
              ...(before === undefined ? {} : { ":before": S(before) }),
            },
            ScanIndexForward: false,
            Limit: limit,
          }),
        );
        return out.Items ?? [];
      }),
    );
    return shards
      .flat()
      .map(toJobSummary)
      .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())
      .slice(0, limit);
  }

  /** A redriven dead job runs again, its attempts counted from 1, on the queue it was redriven to. */
  async #revive(request: ClaimRequest): Promise<Claim> {
    const same = [SAME_JOB, ...(request.payloadHash === undefined ? [] : [SAME_HASH])];
    const write = await this.#conditional(
      await this.#startRun(request, Date.now(), {
        condition: `attribute_exists(#pk) AND #status = :dead AND ${same.join(" AND ")}`,
        attempts: "attempts = :one",
        values: { ":dead": S("dead") },
      }),
      { [LEDGER_KEY]: S(jobItemKey(request.jobId)) },
    );
    if (write.applied) return { kind: "claimed", attempts: 1, cancelRequested: false };
    return this.#claim(request, { mayRevive: false });
  }

  async #startRun(
    request: ClaimRequest,
    now: number,
    variant: { condition: string; attempts: string; values: Record<string, AttributeValue> },
  ): Promise<UpdateItemCommand> {
    const sdk = await loadDynamoDbSdk();
    const iso = new Date(now).toISOString();
    return new sdk.UpdateItemCommand({
      TableName: this.tableName,
      Key: { [LEDGER_KEY]: S(jobItemKey(request.jobId)) },
      // finishedAt goes: a redriven dead job runs again, so its dead run's finish no longer stands.
      UpdateExpression: `${[
        "SET #status = :running",
        variant.attempts,
        "runToken = :token",
        "leaseUntil = :lease",
        "startedAt = :iso",
        "updatedAt = :iso",
        "createdAt = if_not_exists(createdAt, :iso)",
        "jobId = :jobId",
        "#job = :job",
        "#queue = :queue",
        // Kept from the producer's entry, else the first claim's: later deliveries compare with it.
        ...(request.payloadHash === undefined ? [] : ["payloadHash = if_not_exists(payloadHash, :hash)"]),
        "#listKey = :listKey",
        "#ttl = :ttl",
      ].join(", ")} REMOVE finishedAt, endedRun`,
      ConditionExpression: variant.condition,
      ExpressionAttributeNames: {
        "#pk": LEDGER_KEY,
        "#status": "status",
        "#listKey": LIST_INDEX_KEY,
        "#ttl": LEDGER_TTL_ATTRIBUTE,
        ...SAME_NAMES,
      },
      ExpressionAttributeValues: {
        ":running": S("running"),
        ":one": N(1),
        ":token": S(request.runToken),
        ":lease": N(now + request.leaseMs),
        ":iso": S(iso),
        ":jobId": S(request.jobId),
        ":job": S(request.job),
        ":queue": S(request.queue),
        ":listKey": S(listKey(request.queue, "running", request.jobId)),
        ":ttl": N(this.#expiresAt()),
        ...(request.payloadHash === undefined ? {} : { ":hash": S(request.payloadHash) }),
        ...variant.values,
      },
      // The whole entry, for a cancel request left on it (free: a write's returned values cost no read).
      ReturnValues: "ALL_NEW",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  }

  /** The client, for ledger operations kept in modules of their own (src/ledger/*.ts). */
  get dynamodb(): DynamoDBClient {
    return this.#client;
  }

  /**
   * A job entry's TTL from now (or from `runsAt`, when it is due later; epoch seconds), for ledger
   * operations kept in modules of their own.
   */
  expiresAt(runsAt?: Date): number {
    return this.#expiresAt(runsAt);
  }

  /** A conditional write, as {@link #conditional}, for ledger operations kept in modules of their own. */
  conditionalWrite(command: PutItemCommand | UpdateItemCommand, key: Item): Promise<WriteResult> {
    return this.#conditional(command, key);
  }

  /**
   * Sends a conditional write. When its condition fails, `old` is the item as it was: from
   * ReturnValuesOnConditionCheckFailure, else (an emulator without it) read back when `key` is
   * given.
   */
  async #conditional(
    command: PutItemCommand | UpdateItemCommand | DeleteItemCommand,
    key?: Item,
  ): Promise<WriteResult> {
    const sdk = await loadDynamoDbSdk();
    try {
      // The three commands share the client's send; their outputs differ only in Attributes.
      const out = await this.#client.send(command as UpdateItemCommand);
      return { applied: true, attributes: out.Attributes ?? {} };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (error.Item !== undefined || key === undefined) return { applied: false, old: error.Item ?? {} };
      const out = await this.#client.send(
        new sdk.GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return { applied: false, old: out.Item ?? {} };
    }
  }

  /** One BatchWriteItem, and again for what DynamoDB left unprocessed (it does so under load). */
  async #batchWrite(requests: WriteRequest[]): Promise<void> {
    const sdk = await loadDynamoDbSdk();
    let pending = requests;
    for (let round = 1; ; round++) {
      const out = await this.#client.send(
        new sdk.BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }),
      );
      pending = out.UnprocessedItems?.[this.tableName] ?? [];
      if (pending.length === 0) return;
      if (round === MAX_BATCH_ROUNDS) {
        throw new Error(`DynamoDB left ${pending.length} ledger writes unprocessed after ${round} tries`);
      }
      await delay(exponentialBackoff({ base: 50, max: 1_000 }, round));
    }
  }

  /** The TTL: the retention after now, or after `runsAt` when the job is due later. */
  #expiresAt(runsAt?: Date): number {
    const from = Math.max(Date.now(), runsAt?.getTime() ?? 0);
    return Math.ceil(from / 1000) + this.#retentionSeconds;
  }
}

/** A claim that took the run, from the entry as it now is. */
function claimed(entry: Item): Claim {
  return {
    kind: "claimed",
    attempts: readNumber(entry, "attempts") ?? 1,
    cancelRequested: entry[CANCEL_ATTRIBUTE] !== undefined,
  };
}

/** Conditions that an entry is the claiming job's; each holds where the entry lacks the field. */
const SAME_JOB = "(attribute_not_exists(#job) OR #job = :job)";
const SAME_QUEUE = "(attribute_not_exists(#queue) OR #queue = :queue)";
const SAME_HASH = "(attribute_not_exists(payloadHash) OR payloadHash = :hash)";
const SAME_NAMES = { "#job": "job", "#queue": "queue" };

/** What of `old` says it is another job's entry than the claim's (the conditions above, read back). */
function collisionsWith(old: Item, request: ClaimRequest): IdCollision[] {
  const differs: IdCollision[] = [];
  const differ = (stored: string | undefined, mine: string | undefined) =>
    stored !== undefined && mine !== undefined && stored !== mine;
  if (differ(readString(old, "job"), request.job)) differs.push("job");
  if (!request.redriven && differ(readString(old, "queue"), request.queue)) differs.push("queue");
  if (differ(readString(old, "payloadHash"), request.payloadHash)) differs.push("payload");
  return differs;
}

export type WriteResult =
  | { readonly applied: true; readonly attributes: Item }
  | { readonly applied: false; readonly old: Item };

/**
 * A failed condition, told by the error's name: the SDK is loaded on first use, so its class is
 * not at hand here (and an emulator's error of the same name is the same failure).
 */
export function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return (error as { name?: unknown } | undefined)?.name === "ConditionalCheckFailedException";
}

/** Clock difference between two producers that a pending key's lease tolerates (NTP keeps hosts far closer). */
const CLOCK_SKEW_MS = 1_000;

function keyUntil(now: number, hold: KeyHold): number {
  return Math.max(now, hold.runsAt?.getTime() ?? now) + hold.windowSeconds * 1000;
}

/** A slot item outlives its lease by a day, so TTL never deletes a slot a run still holds. */
function slotExpiresAt(leaseUntilMs: number): number {
  return Math.ceil(leaseUntilMs / 1000) + 86_400;
}

/** A job's `queued` entry, as the producer writes it before the job is sent. */
export function queuedItem(e: QueuedEntry, now: string, expiresAt: number): Item {
  return {
    [LEDGER_KEY]: S(jobItemKey(e.jobId)),
    jobId: S(e.jobId),
    job: S(e.job),
    queue: S(e.queue),
    status: S("queued"),
    attempts: N(0),
    payloadHash: S(e.payloadHash),
    ...(e.uniqueKey === undefined ? {} : { uniqueKey: S(e.uniqueKey) }),
    createdAt: S(now),
    updatedAt: S(now),
    [LIST_INDEX_KEY]: S(listKey(e.queue, "queued", e.jobId)),
    [LEDGER_TTL_ATTRIBUTE]: N(expiresAt),
  };
}
