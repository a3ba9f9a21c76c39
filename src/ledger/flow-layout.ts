/**
 * The items a flow adds to the ledger's table (docs/flows.md, "In the ledger"). Children and the
 * continuation are ordinary job items (`job#<id>`) with `parentId`, `rootId` (and `flowId`).
 *
 * - flow:  `flow#<flowId>`             the declaration: size, policy, the continuation, done shards
 * - shard: `flowshard#<flowId>#<k>`    the count of children k*100 .. k*100+99: one write per child
 * - page:  `flowpage#<flowId>#<p>`     children p*1000 .. p*1000+999: ids, keys, job names
 */
export const flowItemKey = (flowId: string): string => `flow#${flowId}`;
export const flowShardKey = (flowId: string, shard: number): string => `flowshard#${flowId}#${shard}`;
export const flowPageKey = (flowId: string, page: number): string => `flowpage#${flowId}#${page}`;

/**
 * Children per counter shard. Each child's count is one conditional write to its shard (at most
 * 100 writes per shard item, far under DynamoDB's 1,000 per second per item); the flow item takes
 * one write per shard completed, so a 10,000-child flow writes it 100 times.
 */
export const FLOW_SHARD_SIZE = 100;
/** Children per page of the flow's member list (about 80 bytes each: well under 400 KB an item). */
export const FLOW_PAGE_SIZE = 1_000;
/** The most children one flow takes: 100 pages, 1,000 shards. */
export const MAX_FLOW_CHILDREN = 100_000;

/** What a flow does when some of its children are dead once all are final (docs/flows.md). */
export type FlowFailurePolicy = "fail" | "continue" | "ignore";
