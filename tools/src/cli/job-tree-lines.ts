import type { FlowBranch, JobTree } from "../flows/job-tree.ts";
import { TABLE_WIDTH } from "./table.ts";

const count = (n: number): string => n.toLocaleString("en-US");

/**
 * The flows under a job as indented lines, one per flow and one per continuation, cut to the
 * terminal's 80 columns after `indent` (`cut` says whether one was):
 *
 *   flow 10,000 children (continue): 9,990 succeeded, 2 dead, 8 pending
 *   then extract-pages 019ab1c2-7d2e-7c1a-9f0e-1b2c3d4e5f60 running
 *     flow 9,990 children (continue): 9,990 succeeded, 0 dead, 0 pending
 *     then write-audit-report (not sent: waits for the children)
 */
export function jobTreeLines(tree: JobTree, indent: number): { lines: string[]; cut: boolean } {
  const lines: string[] = [];
  let cut = false;
  const push = (depth: number, text: string) => {
    const room = TABLE_WIDTH - indent - 2 * depth;
    if (text.length > room) cut = true;
    lines.push(
      `${" ".repeat(indent + 2 * depth)}${text.length > room ? `${text.slice(0, room - 1)}…` : text}`,
    );
  };
  const walk = (branches: readonly FlowBranch[], depth: number) => {
    for (const { flow, continuation: then } of branches) {
      push(
        depth,
        `flow ${count(flow.total)} children (${flow.onChildFailure}): ${count(flow.succeeded)} succeeded, ${count(flow.dead)} dead, ${count(flow.pending)} pending`,
      );
      if (then === "not sent") push(depth, `then ${flow.thenJobName} (not sent: waits for the children)`);
      else if (then === "not read") push(depth, `then ${flow.thenJobName} ${flow.thenJobId} (jobs get it)`);
      else {
        push(depth, `then ${then.job.jobName} ${then.job.jobId} ${then.job.status}`);
        walk(then.flows, depth + 1);
      }
    }
  };
  walk(tree.flows, 0);
  return { lines, cut };
}
