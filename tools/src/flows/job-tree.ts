import type { JobStatus } from "sqs-jobs/internal/ledger/job-state";

/** A flow a job started, as the ledger counts it: what the tree shows of its children. */
export interface TreeFlow {
  readonly flowId: string;
  readonly onChildFailure: string;
  readonly total: number;
  readonly succeeded: number;
  readonly dead: number;
  readonly pending: number;
  readonly thenJobId: string;
  readonly thenJobName: string;
}

/** A job as the tree needs it: what it is, where it stands, and the flows it started. */
export interface TreeJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly status: JobStatus;
  readonly flows: readonly TreeFlow[];
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
  readonly flow: TreeFlow;
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
export async function readJobTree(
  read: (jobId: string) => Promise<TreeJob | undefined>,
  jobId: string,
): Promise<JobTree | undefined> {
  const root = await read(jobId);
  if (root === undefined) return undefined;
  let budget = MAX_TREE_JOBS - 1;
  const grow = async (job: TreeJob): Promise<JobTree> => {
    const thens = await Promise.all(
      job.flows.map(async (flow) => {
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
