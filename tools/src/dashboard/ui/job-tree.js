// The flows a job started (api/jobs/<id>/tree): each flow's progress as a bar and counts, then its
// continuation, and the flows that one started in turn. Children are counted, not listed: a flow
// may hold 100,000 of them.
import { html } from "htm/preact";
import { getJson } from "./api.js";
import { count } from "./format.js";
import { usePolling } from "./polling.js";
import { href } from "./router.js";

/**
 * @typedef {{ flowId: string, onChildFailure: string, total: number, succeeded: number, dead: number,
 *   pending: number, thenJobId: string, thenJobName: string }} Flow
 * @typedef {{ job: { jobId: string, jobName: string, status: string }, flows: Branch[] }} Tree
 * @typedef {{ flow: Flow, continuation: Tree | "not sent" | "not read" }} Branch
 */

/** @param {{ id: string }} props */
export function JobTree({ id }) {
  const { data } = usePolling(() => getJson(`jobs/${encodeURIComponent(id)}/tree`), [id]);
  /** @type {Tree | undefined} */
  const tree = data;
  if (tree === undefined || tree.flows.length === 0) return null;
  return html`<h2>Flows</h2>
    <div class="job-tree" data-testid="job-tree">${branches(tree.flows)}</div>`;
}

/** @param {Branch[]} list */
function branches(list) {
  return html`<ul>
    ${list.map(
      ({ flow, continuation }) => html`<li data-testid="flow">
      <${FlowProgress} flow=${flow} />
      <p class="then">
        then ${
          typeof continuation === "string"
            ? html`<span>${flow.thenJobName}</span>
                <span class="muted small">${continuation === "not sent" ? " (sent once every child is final)" : ""}</span>`
            : html`<a class="mono" href=${href(`/jobs/${continuation.job.jobId}`)}>${continuation.job.jobName}</a>
                <span class=${`job-state ${continuation.job.status}`}>${continuation.job.status}</span>`
        }
      </p>
      ${typeof continuation === "string" || continuation.flows.length === 0 ? null : branches(continuation.flows)}
    </li>`,
    )}
  </ul>`;
}

/** @param {{ flow: Flow }} props */
function FlowProgress({ flow }) {
  const done = flow.succeeded + flow.dead;
  return html`<label class="flow-progress">
    <span>${count(flow.total)} children, on failure: ${flow.onChildFailure}</span>
    <progress max=${flow.total} value=${done}></progress>
    <span role="status" data-testid="flow-counts">
      ${count(flow.succeeded)} succeeded, ${count(flow.dead)} dead, ${count(flow.pending)} pending
    </span>
  </label>`;
}
