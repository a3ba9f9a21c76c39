import type { AttributeValue, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { EnvelopeFlow } from "../core/envelope.ts";
import { InvalidOptionError } from "../core/errors.ts";
import { mapLimit } from "../core/map-limit.ts";
import { type Item, N, readNumber, S } from "./attribute-values.ts";
import { loadDynamoDbSdk } from "./dynamodb-sdk.ts";
import {
  FLOW_PAGE_SIZE,
  FLOW_SHARD_SIZE,
  type FlowFailurePolicy,
  flowItemKey,
  flowPageKey,
  flowShardKey,
} from "./flow-layout.ts";
import { isConditionFailure, type Ledger, type QueuedEntry, queuedItem } from "./ledger.ts";
import { jobItemKey, LEDGER_KEY, LEDGER_TTL_ATTRIBUTE } from "./table-layout.ts";

/** A child (or continuation) about to be sent: a queued entry that names its parent and root. */
export interface ChildEntry extends QueuedEntry {
  readonly flow: EnvelopeFlow;
}

/** Conditional puts in flight at once when children are recorded. */
const WRITE_CONCURRENCY = 16;

/**
 * Records children `queued` before they are sent, each only if the ledger has no entry for its
 * (derived) id or the entry is still `queued`. Returns the ids whose entry is further on: that
 * child reached SQS before (a consumer claimed it), so its parent's new run must not send it
 * again. A `queued` one is sent again: the earlier run may have stopped between this write and
 * the send, and a second copy is harmless (the consumer's claim runs a job id once).
 */
export async function recordChildren(ledger: Ledger, entries: readonly ChildEntry[]): Promise<Set<string>> {
  const sdk = await loadDynamoDbSdk();
  const started = new Set<string>();
  const now = new Date().toISOString();
  await mapLimit(entries, WRITE_CONCURRENCY, async (e) => {
    try {
      await ledger.dynamodb.send(
        new sdk.PutItemCommand({
          TableName: ledger.tableName,
          Item: {
            ...queuedItem(e, now, ledger.expiresAt(e.runsAt)),
            parentId: S(e.flow.parentId),
            rootId: S(e.flow.rootId),
            ...(e.flow.flowId === undefined ? {} : { flowId: S(e.flow.flowId) }),
          },
          ConditionExpression: "attribute_not_exists(#pk) OR #status = :queued",
          ExpressionAttributeNames: { "#pk": LEDGER_KEY, "#status": "status" },
          ExpressionAttributeValues: { ":queued": S("queued") },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      started.add(e.jobId);
    }
  });
  return started;
}

/** The continuation of a flow, as its declaration stores it (sent as is once every child is final). */
export interface StoredThen {
  readonly jobId: string;
  readonly job: string;
  readonly queueUrl: string;
  /**
   * The continuation's message body. For a chain's next step it is built when the step before
   * succeeds, from that step's result (`fromResult`), and this is undefined.
   */
  readonly body: string | undefined;
  readonly groupId: string | undefined;
  readonly dedupId: string | undefined;
  /** The chain steps after this one, as JSON ({@link ChainStep}[]), for a chain. */
  readonly chainJson: string | undefined;
}

/** A step of a chain after the continuation: its job and queue. */
export interface ChainStep {
  readonly job: string;
  readonly queueUrl: string;
  readonly fifo: boolean;
}

/** A flow's declaration (the `flow#` item). */
export interface FlowDeclaration {
  readonly flowId: string;
  readonly parentId: string;
  readonly rootId: string;
  readonly policy: FlowFailurePolicy;
  readonly continuation: StoredThen;
  /** Every child, in order: the position is its counter slot. */
  readonly children: readonly { readonly jobId: string; readonly key: string; readonly job: string }[];
}

/**
 * Writes a flow's member pages and its declaration, before any child is sent. A parent that runs
 * again declares the same flow (same derived id): the pages are rewritten with the same content,
 * and the declaration, already there, must name as many children.
 *
 * @throws {InvalidOptionError} the flow was declared before with another number of children
 */
export async function declareFlow(ledger: Ledger, flow: FlowDeclaration): Promise<void> {
  const sdk = await loadDynamoDbSdk();
  const ttl = N(ledger.expiresAt());
  const pages: Item[] = [];
  for (let p = 0; p * FLOW_PAGE_SIZE < flow.children.length; p++) {
    const members = flow.children.slice(p * FLOW_PAGE_SIZE, (p + 1) * FLOW_PAGE_SIZE);
    pages.push({
      [LEDGER_KEY]: S(flowPageKey(flow.flowId, p)),
      children: S(JSON.stringify(members.map((c) => [c.jobId, c.key, c.job]))),
      [LEDGER_TTL_ATTRIBUTE]: ttl,
    });
  }
  for (let i = 0; i < pages.length; i += 25) {
    const requests = pages.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    let pending: typeof requests = requests;
    // Pages are few (one per 1,000 children): what DynamoDB leaves unprocessed goes again at once.
    for (let round = 0; pending.length > 0 && round < 8; round++) {
      const out = await ledger.dynamodb.send(
        new sdk.BatchWriteItemCommand({ RequestItems: { [ledger.tableName]: pending } }),
      );
      pending = (out.UnprocessedItems?.[ledger.tableName] ?? []) as typeof requests;
    }
    if (pending.length > 0) throw new Error(`DynamoDB left ${pending.length} flow pages unprocessed`);
  }
  const then = flow.continuation;
  const optional = (name: string, value: string | undefined): Item =>
    value === undefined ? {} : { [name]: S(value) };
  try {
    await ledger.dynamodb.send(
      new sdk.PutItemCommand({
        TableName: ledger.tableName,
        Item: {
          [LEDGER_KEY]: S(flowItemKey(flow.flowId)),
          flowId: S(flow.flowId),
          parentId: S(flow.parentId),
          rootId: S(flow.rootId),
          policy: S(flow.policy),
          total: N(flow.children.length),
          shards: N(shardCount(flow.children.length)),
          shardsDone: N(0),
          thenJobId: S(then.jobId),
          thenJob: S(then.job),
          thenQueueUrl: S(then.queueUrl),
          ...optional("thenBody", then.body),
          ...optional("thenGroupId", then.groupId),
          ...optional("thenDedupId", then.dedupId),
          ...optional("chain", then.chainJson),
          createdAt: S(new Date().toISOString()),
          [LEDGER_TTL_ATTRIBUTE]: ttl,
        },
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": LEDGER_KEY },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const old = await getItem(ledger, flowItemKey(flow.flowId));
    if (readNumber(old ?? {}, "total") !== flow.children.length) {
      throw new InvalidOptionError(
        `flow ${flow.flowId} was declared before with ${readNumber(old ?? {}, "total") ?? 0} children, now with ${flow.children.length}: a parent that runs again must declare the same children (give each a key)`,
      );
    }
  }
}

/** The final state a child is counted in. */
export type CountedStatus = "succeeded" | "dead";

/**
 * Counts a child that reached a final state, once: one conditional write to its shard, keyed by
 * the child's slot (`c<index>`), so a duplicate delivery, a retried write or a redrive never
 * counts it twice (a dead child redriven that succeeds moves from the dead count to the
 * succeeded one). The write that completes a shard adds it to the flow item, once per shard
 * (`s<shard>`). Returns true when every shard is complete: the caller then releases the
 * continuation, which is idempotent too. Safe to call again for a child already counted (a
 * consumer that stopped between this and the continuation's send): it re-reads and answers again.
 */
export async function countChild(
  ledger: Ledger,
  flowId: string,
  index: number,
  status: CountedStatus,
): Promise<boolean> {
  const shard = Math.floor(index / FLOW_SHARD_SIZE);
  const key = { [LEDGER_KEY]: S(flowShardKey(flowId, shard)) };
  const slot = `c${index}`;
  const first = await conditionalUpdate(ledger, {
    Key: key,
    UpdateExpression: `SET #slot = :status, #ttl = :ttl ADD finished :one${status === "dead" ? ", dead :one" : ""}`,
    ConditionExpression: "attribute_not_exists(#slot)",
    ExpressionAttributeNames: { "#slot": slot, "#ttl": LEDGER_TTL_ATTRIBUTE },
    ExpressionAttributeValues: { ":status": S(status), ":one": N(1), ":ttl": N(ledger.expiresAt()) },
    // `finished` is all this reads back, not the shard's up to 100 slots.
    ReturnValues: "UPDATED_NEW",
  });
  if (first === undefined && status === "succeeded") {
    // Counted dead before and redriven since: it counts as succeeded now.
    await conditionalUpdate(ledger, {
      Key: key,
      UpdateExpression: "SET #slot = :status ADD dead :minus",
      ConditionExpression: "#slot = :dead",
      ExpressionAttributeNames: { "#slot": slot },
      ExpressionAttributeValues: { ":status": S(status), ":dead": S("dead"), ":minus": N(-1) },
    });
  }
  const finished = readNumber(
    first ?? (await getItem(ledger, flowShardKey(flowId, shard))) ?? {},
    "finished",
  );
  const declared = await flowSize(ledger, flowId);
  if (declared === undefined) return false;
  const size = Math.min(FLOW_SHARD_SIZE, declared.total - shard * FLOW_SHARD_SIZE);
  if (finished !== size) return false;
  const done = await conditionalUpdate(ledger, {
    Key: { [LEDGER_KEY]: S(flowItemKey(flowId)) },
    UpdateExpression: "SET #done = :one ADD shardsDone :one",
    ConditionExpression: "attribute_not_exists(#done)",
    ExpressionAttributeNames: { "#done": `s${shard}` },
    ExpressionAttributeValues: { ":one": N(1) },
  });
  const shardsDone = readNumber(done ?? (await getItem(ledger, flowItemKey(flowId))) ?? {}, "shardsDone");
  return shardsDone === declared.shards;
}

/** A flow's size as declared: its children and counter shards, which never change once written. */
interface FlowSize {
  readonly total: number;
  readonly shards: number;
}

/** Flows whose size this process has read, by table and flow id; the oldest is dropped past the bound. */
const flowSizes = new Map<string, FlowSize>();
const MAX_FLOW_SIZES = 1_000;

/**
 * The flow's size, read from its item once per process and flow rather than once per child
 * counted (a 10,000-child flow: one read per consumer instead of 10,000). `undefined`: no such
 * flow (yet), which is read again next time.
 */
async function flowSize(ledger: Ledger, flowId: string): Promise<FlowSize | undefined> {
  const cacheKey = `${ledger.tableName}#${flowId}`;
  const known = flowSizes.get(cacheKey);
  if (known !== undefined) return known;
  const flow = await getItem(ledger, flowItemKey(flowId));
  if (flow === undefined) return undefined;
  const size = { total: readNumber(flow, "total") ?? 0, shards: readNumber(flow, "shards") ?? 0 };
  if (flowSizes.size >= MAX_FLOW_SIZES) flowSizes.delete(flowSizes.keys().next().value ?? "");
  flowSizes.set(cacheKey, size);
  return size;
}

/** Marks the flow complete (its continuation sent), for `getFlow`; repeats change nothing. */
export async function markFlowComplete(ledger: Ledger, flowId: string): Promise<void> {
  await conditionalUpdate(ledger, {
    Key: { [LEDGER_KEY]: S(flowItemKey(flowId)) },
    UpdateExpression: "SET completedAt = :now",
    ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(completedAt)",
    ExpressionAttributeNames: { "#pk": LEDGER_KEY },
    ExpressionAttributeValues: { ":now": S(new Date().toISOString()) },
  });
}

export function shardCount(children: number): number {
  return Math.ceil(children / FLOW_SHARD_SIZE);
}

/** An update's new attributes, or undefined when its condition failed. */
async function conditionalUpdate(
  ledger: Ledger,
  input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], "TableName">,
): Promise<Item | undefined> {
  const sdk = await loadDynamoDbSdk();
  try {
    const out = await ledger.dynamodb.send(
      new sdk.UpdateItemCommand({ TableName: ledger.tableName, ReturnValues: "ALL_NEW", ...input }),
    );
    return out.Attributes ?? {};
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

export async function getItem(
  ledger: Ledger,
  pk: string,
): Promise<Record<string, AttributeValue> | undefined> {
  const sdk = await loadDynamoDbSdk();
  const out = await ledger.dynamodb.send(
    new sdk.GetItemCommand({
      TableName: ledger.tableName,
      Key: { [LEDGER_KEY]: S(pk) },
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

/** Adds a flow to the ids its parent job started (`flowIds`), which `getJob` shows the progress of. */
export async function linkFlow(ledger: Ledger, parentJobId: string, flowId: string): Promise<void> {
  const sdk = await loadDynamoDbSdk();
  await ledger.dynamodb
    .send(
      new sdk.UpdateItemCommand({
        TableName: ledger.tableName,
        Key: { [LEDGER_KEY]: S(jobItemKey(parentJobId)) },
        UpdateExpression: "ADD flowIds :ids",
        ConditionExpression: "attribute_exists(#pk)",
        ExpressionAttributeNames: { "#pk": LEDGER_KEY },
        ExpressionAttributeValues: { ":ids": { SS: [flowId] } },
      }),
    )
    .catch((error: unknown) => {
      // A parent the ledger does not know (sent without it) has no entry to show the flow on.
      if (!isConditionFailure(error)) throw error;
    });
}
