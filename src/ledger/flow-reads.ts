import { type Item, readDate, readNumber, readString, S } from "./attribute-values.ts";
import { loadDynamoDbSdk } from "./dynamodb-sdk.ts";
import {
  FLOW_PAGE_SIZE,
  type FlowFailurePolicy,
  flowItemKey,
  flowPageKey,
  flowShardKey,
} from "./flow-layout.ts";
import { type ChainStep, getItem, type StoredThen } from "./flow-writes.ts";
import type { Ledger } from "./ledger.ts";
import { type StoredJob, toJobState } from "./stored-job.ts";
import { jobItemKey, LEDGER_KEY } from "./table-layout.ts";

/** A flow's declaration as read back, with its count of complete shards. */
export interface FlowRecord {
  readonly flowId: string;
  readonly parentId: string;
  readonly rootId: string;
  readonly policy: FlowFailurePolicy;
  readonly total: number;
  readonly shards: number;
  readonly shardsDone: number;
  readonly continuation: StoredThen;
  readonly chain: readonly ChainStep[] | undefined;
  readonly createdAt: Date;
  readonly completedAt: Date | undefined;
}

export async function readFlow(ledger: Ledger, flowId: string): Promise<FlowRecord | undefined> {
  const item = await getItem(ledger, flowItemKey(flowId));
  if (item === undefined) return undefined;
  const chainJson = readString(item, "chain");
  return {
    flowId,
    parentId: readString(item, "parentId") ?? "",
    rootId: readString(item, "rootId") ?? "",
    policy: (readString(item, "policy") ?? "fail") as FlowFailurePolicy,
    total: readNumber(item, "total") ?? 0,
    shards: readNumber(item, "shards") ?? 0,
    shardsDone: readNumber(item, "shardsDone") ?? 0,
    continuation: {
      jobId: readString(item, "thenJobId") ?? "",
      job: readString(item, "thenJob") ?? "",
      queueUrl: readString(item, "thenQueueUrl") ?? "",
      body: readString(item, "thenBody"),
      groupId: readString(item, "thenGroupId"),
      dedupId: readString(item, "thenDedupId"),
      chainJson,
    },
    chain: chainJson === undefined ? undefined : (JSON.parse(chainJson) as ChainStep[]),
    createdAt: readDate(item, "createdAt") ?? new Date(0),
    completedAt: readDate(item, "completedAt"),
  };
}

/** Counts from every shard: children succeeded and dead so far, and which slots are dead. */
export async function readCounts(
  ledger: Ledger,
  flow: Pick<FlowRecord, "flowId" | "shards">,
): Promise<{ readonly succeeded: number; readonly dead: number; readonly deadSlots: number[] }> {
  const keys = Array.from({ length: flow.shards }, (_, k) => flowShardKey(flow.flowId, k));
  const shards = await batchGet(ledger, keys);
  let finished = 0;
  let dead = 0;
  const deadSlots: number[] = [];
  for (const shard of shards.values()) {
    finished += readNumber(shard, "finished") ?? 0;
    dead += readNumber(shard, "dead") ?? 0;
    for (const [name, value] of Object.entries(shard)) {
      if (name.startsWith("c") && value.S === "dead") deadSlots.push(Number(name.slice(1)));
    }
  }
  return { succeeded: finished - dead, dead, deadSlots: deadSlots.sort((a, b) => a - b) };
}

/** A child as its flow's member page lists it. */
export interface FlowMember {
  readonly jobId: string;
  readonly key: string;
  readonly job: string;
}

/** The members of one page (1,000 children) of a flow; empty past the last page. */
export async function readMembers(ledger: Ledger, flowId: string, page: number): Promise<FlowMember[]> {
  const item = await getItem(ledger, flowPageKey(flowId, page));
  const json = item === undefined ? undefined : readString(item, "children");
  if (json === undefined) return [];
  return (JSON.parse(json) as [string, string, string][]).map(([jobId, key, job]) => ({ jobId, key, job }));
}

/** The member at a position (for naming dead children). */
export async function memberAt(
  ledger: Ledger,
  flowId: string,
  index: number,
): Promise<FlowMember | undefined> {
  const members = await readMembers(ledger, flowId, Math.floor(index / FLOW_PAGE_SIZE));
  return members[index % FLOW_PAGE_SIZE];
}

/** The job entries of some children, in their order (undefined where the ledger has none). */
export async function readChildJobs(
  ledger: Ledger,
  members: readonly FlowMember[],
): Promise<(StoredJob | undefined)[]> {
  const found = await batchGet(
    ledger,
    members.map((m) => jobItemKey(m.jobId)),
  );
  return members.map((m) => {
    const item = found.get(jobItemKey(m.jobId));
    return item === undefined ? undefined : toJobState(item);
  });
}

/** BatchGetItem by partition key, 100 a call, consistent, with what DynamoDB leaves unprocessed read again. */
async function batchGet(ledger: Ledger, pks: readonly string[]): Promise<Map<string, Item>> {
  const sdk = await loadDynamoDbSdk();
  const found = new Map<string, Item>();
  for (let i = 0; i < pks.length; i += 100) {
    let keys: Item[] = pks.slice(i, i + 100).map((pk) => ({ [LEDGER_KEY]: S(pk) }));
    for (let round = 0; keys.length > 0; round++) {
      if (round === 8) throw new Error(`DynamoDB left ${keys.length} ledger reads unprocessed`);
      const out = await ledger.dynamodb.send(
        new sdk.BatchGetItemCommand({
          RequestItems: { [ledger.tableName]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      for (const item of out.Responses?.[ledger.tableName] ?? []) {
        found.set(readString(item, LEDGER_KEY) ?? "", item);
      }
      keys = (out.UnprocessedKeys?.[ledger.tableName]?.Keys ?? []) as Item[];
    }
  }
  return found;
}
