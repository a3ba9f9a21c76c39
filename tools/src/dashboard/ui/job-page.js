// One job of the ledger: its state, attempts and times, why it failed, and its result when asked
// for (a result may hold personal data: showing it needs the token, a read-only dashboard refuses).
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { getJson } from "./api.js";
import { dateTime, relative } from "./format.js";
import { ErrorNotice, Loaded, StaleNotice } from "./notice.js";
import { usePolling } from "./polling.js";
import { href } from "./router.js";

/** @param {{ route: import("./router.js").Route, readOnly: boolean }} props */
export function JobPage({ route, readOnly }) {
  const id = route.params.id ?? "";
  const { data, error, updatedAt } = usePolling(() => getJson(`jobs/${encodeURIComponent(id)}`), [id]);
  return html`<section aria-labelledby="page-title">
    <p class="crumbs"><a href=${href("/jobs")}>Jobs</a> › <span class="mono">${id}</span></p>
    <${StaleNotice} error=${data === undefined ? undefined : error} updatedAt=${updatedAt} />
    <${Loaded} data=${data} error=${error} title=${`Could not read job ${id}`}>
      ${() => {
        /** @type {import("./job-view.js").Job} */
        const j = data;
        return html`
          <h1 id="page-title" tabindex="-1">${j.jobName} <span class=${`job-state ${j.status}`}>${j.status}</span></h1>
          <dl class="fields" data-testid="job">
            <dt>Job id</dt>
            <dd class="mono">${j.jobId}</dd>
            <dt>Queue</dt>
            <dd><a href=${href("/jobs", { queue: j.queue })}>${j.queue}</a></dd>
            <dt>Attempts</dt>
            <dd>${j.attempts}</dd>
            <dt>Created</dt>
            <dd>${dateTime(j.createdAt)} (${relative(j.createdAt)})</dd>
            <dt>Last attempt started</dt>
            <dd>${dateTime(j.startedAt)}</dd>
            <dt>Finished</dt>
            <dd>${dateTime(j.finishedAt)}</dd>
            <dt>Last change</dt>
            <dd>${dateTime(j.updatedAt)}</dd>
          </dl>
          ${
            j.throttledUntil
              ? html`<div class="notice" data-testid="throttled">
                  <strong>Throttled</strong>
                  <p>Its rate limit sent it back to the queue until ${dateTime(j.throttledUntil)}.</p>
                </div>`
              : null
          }
          ${
            j.failure === null
              ? null
              : html`<div class="notice error">
                  <strong>${j.status === "dead" ? `Dead (${j.failure.reason ?? "unknown reason"})` : "Last attempt failed"}</strong>
                  <p><strong>${j.failure.name}</strong>${j.failure.code ? ` [${j.failure.code}]` : ""}: ${j.failure.message}</p>
                </div>`
          }
          ${j.status === "succeeded" ? html`<${JobResult} id=${id} readOnly=${readOnly} />` : null}`;
      }}
    <//>
  </section>`;
}

/** @param {{ id: string, readOnly: boolean }} props */
function JobResult({ id, readOnly }) {
  const [shown, setShown] = useState(/** @type {{ result: unknown } | undefined} */ (undefined));
  const [error, setError] = useState(/** @type {Error | undefined} */ (undefined));
  const show = async () => {
    try {
      setShown(await getJson(`jobs/${encodeURIComponent(id)}`, { result: 1 }));
      setError(undefined);
    } catch (e) {
      setError(/** @type {Error} */ (e));
    }
  };
  return html`<h2>Result</h2>
    ${error === undefined ? null : html`<${ErrorNotice} error=${error} title="Could not read the result" />`}
    ${
      shown !== undefined
        ? html`<pre class="json" data-testid="result">${shown.result === null ? "(none)" : JSON.stringify(shown.result, null, 2)}</pre>`
        : readOnly
          ? html`<p class="muted small">Results stay hidden on a read-only dashboard.</p>`
          : html`<p>
              <button type="button" onClick=${show}>Show result</button>
              <span class="muted small"> The result stays hidden until you ask: it may hold personal data.</span>
            </p>`
    }`;
}
