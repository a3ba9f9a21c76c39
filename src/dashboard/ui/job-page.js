// One job of the ledger: its state, attempts and times, and its result or why it failed.
import { html } from "htm/preact";
import { getJson } from "./api.js";
import { dateTime, relative } from "./format.js";
import { Loaded, StaleNotice } from "./notice.js";
import { usePolling } from "./polling.js";
import { href } from "./router.js";

/** @param {{ route: import("./router.js").Route }} props */
export function JobPage({ route }) {
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
          <h1 id="page-title" tabindex="-1">${j.job} <span class=${`job-state ${j.state}`}>${j.state}</span></h1>
          <dl class="fields" data-testid="job">
            <dt>Id</dt>
            <dd class="mono">${j.id}</dd>
            <dt>Queue</dt>
            <dd><a href=${href("/jobs", { queue: j.queue })}>${j.queue}</a></dd>
            <dt>Attempts</dt>
            <dd>${j.attempts}</dd>
            <dt>Enqueued</dt>
            <dd>${dateTime(j.enqueuedAt)} (${relative(j.enqueuedAt)})</dd>
            <dt>Last run started</dt>
            <dd>${dateTime(j.startedAt)}</dd>
            <dt>Ended</dt>
            <dd>${dateTime(j.endedAt)}</dd>
            <dt>Last change</dt>
            <dd>${dateTime(j.updatedAt)}</dd>
          </dl>
          ${
            j.failure === null
              ? null
              : html`<div class="notice error">
                  <strong>${j.state === "dead" ? `Dead (${j.failure.reason ?? "unknown reason"})` : "Last attempt failed"}</strong>
                  <p><strong>${j.failure.name}</strong>${j.failure.code ? ` [${j.failure.code}]` : ""}: ${j.failure.message}</p>
                </div>`
          }
          ${
            j.state === "succeeded"
              ? html`<h2>Result</h2>
                  <pre class="json">${j.result === null ? "(none)" : JSON.stringify(j.result, null, 2)}</pre>`
              : null
          }`;
      }}
    <//>
  </section>`;
}
