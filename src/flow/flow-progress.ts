import { readCounts, readFlow } from "../ledger/flow-reads.ts";
import type { FlowProgress } from "../ledger/flow-state.ts";
import type { Ledger } from "../ledger/ledger.ts";

/** A flow's declaration and counts (one read, and one BatchGetItem per 100 shards). */
export async function readFlowProgress(ledger: Ledger, flowId: string): Promise<FlowProgress | undefined> {
  const flow = await readFlow(ledger, flowId);
  if (flow === undefined) return undefined;
  const { succeeded, dead } = await readCounts(ledger, flow);
  return {
    flowId,
    parentId: flow.parentId,
    rootId: flow.rootId,
    onChildFailure: flow.policy,
    total: flow.total,
    succeeded,
    dead,
    pending: flow.total - succeeded - dead,
    thenJobId: flow.continuation.jobId,
    thenJobName: flow.continuation.job,
    createdAt: flow.createdAt,
    completedAt: flow.completedAt,
  };
}
