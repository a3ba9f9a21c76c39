import type { FlowProgress } from "sqs-jobs/internal/ledger/flow-state";
import type { JobStatus } from "sqs-jobs/internal/ledger/job-state";
import type { Ledger } from "sqs-jobs/internal/ledger/ledger";

/** A job as the tree needs it: what it is, where it stands, and the flows it started. */
export interface TreeJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly status: JobStatus;
  readonly flows: readonly FlowProgress[];
}

/**
 * A job and what it started: each flow's progress and, once sent, its continuation with the flows
 * that one started in turn (a staged flow reads as a path: fetch, then extract, then the report).
 * Children are counted, not listed: a flow may hold 100,000 of them.
 */
export interface JobTree {
  readonly job: TreeJob;
  readonly flows: readonly FlowBranch[];
}

export interface FlowBranch {
  readonly flow: FlowProgress;
  /**
   * The continuation and what it started; `"not sent"` until the flow's last child is final,
   * `"not read"` past {@link MAX_TREE_JOBS}.
   */
  readonly continuation: JobTree | "not sent" | "not read";
}

/** Jobs one tree reads at most (each a consistent read): deeper continuations are left out. */
export const MAX_TREE_JOBS = 20;

/**
 * Reads the tree under `jobId`, breadth first, at most {@link MAX_TREE_JOBS} jobs; `undefined`
 * when the ledger has no entry for the job itself.
 */
export async function readJobTree(ledger: Ledger, jobId: string): Promise<JobTree | undefined> {
  const read = (id: string) => readTreeJob(ledger, id);
  const root = await read(jobId);
  if (root === undefined) return undefined;
  let budget = MAX_TREE_JOBS - 1;
  const grow = async (job: TreeJob): Promise<JobTree> => {
    const thens = await Promise.all(
      job.flows.map(async (flow) => {
        // Its completion time is when it was sent: no read needed before.
        if (flow.completedAt === undefined) return "not sent" as const;
        if (budget <= 0) return "not read" as const;
        budget--;
        return (await read(flow.thenJobId)) ?? ("not sent" as const);
      }),
    );
    const flows: FlowBranch[] = [];
    for (const [i, flow] of job.flows.entries()) {
      const then = thens[i] ?? "not read";
      flows.push({ flow, continuation: typeof then === "string" ? then : await grow(then) });
    }
    return { job, flows };
  };
  return grow(root);
}

/** One job of the tree: its entry (one consistent read) and each of its flows' counts. */
async function readTreeJob(ledger: Ledger, jobId: string): Promise<TreeJob | undefined> {
  const job = await ledger.get(jobId);
  if (job === undefined) return undefined;
  // Loaded here, as the ledger is: the CLI's other commands and a dashboard without one skip the DynamoDB SDK.
  const { readFlowProgress } = await import("sqs-jobs/internal/flow/flow-progress");
  const flows = await Promise.all(job.flowIds.map((flowId) => readFlowProgress(ledger, flowId)));
  return {
    jobId: job.jobId,
    jobName: job.jobName,
    status: job.status,
    flows: flows.filter((f) => f !== undefined),
  };
}
