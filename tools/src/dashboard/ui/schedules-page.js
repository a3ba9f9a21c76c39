// Schedules (EventBridge Scheduler) with their next runs.
import { html } from "htm/preact";
import { getJson } from "./api.js";
import { dateTime, relative } from "./format.js";
import { Empty, Loaded, StaleNotice } from "./notice.js";
import { usePolling } from "./polling.js";

export function SchedulesPage() {
  const { data, error, updatedAt } = usePolling(() => getJson("schedules"), []);
  return html`<section aria-labelledby="page-title">
    <h1 id="page-title" tabindex="-1">Schedules</h1>
    <${StaleNotice} error=${data === undefined ? undefined : error} updatedAt=${updatedAt} />
    <${Loaded} data=${data} error=${error} title="Could not list schedules">
      ${() =>
        data.schedules.length === 0
          ? html`<${Empty} title="No schedules.">
              <p>Add one with <code>queue.schedule(...)</code> in your CDK app, or send a job for later with <code>send(job, payload, { at })</code>.</p>
            <//>`
          : html`<table class="schedules" data-testid="schedules-table">
              <thead>
                <tr>
                  <th scope="col">Schedule</th>
                  <th scope="col">Expression</th>
                  <th scope="col">State</th>
                  <th scope="col">Job</th>
                  <th scope="col">Next runs</th>
                </tr>
              </thead>
              <tbody>
                ${data.schedules.map(
                  (/** @type {any} */ s) => html`<tr key=${`${s.group}/${s.name}`}>
                    <td>${s.name}<div class="muted small">${s.group}</div></td>
                    <td class="mono">${s.expression}${s.timezone === null ? null : html`<div class="muted small">${s.timezone}</div>`}</td>
                    <td><span class=${`state ${s.state === "ENABLED" ? "running" : "paused"}`}>${s.state}</span></td>
                    <td>${s.jobName ?? html`<span class="muted" title=${s.target}>not a sqs-jobs job</span>`}</td>
                    <td>
                      ${s.next.length === 0 ? html`<span class="muted">none</span>` : null}
                      <ul class="plain">
                        ${s.next.map((/** @type {string} */ at) => html`<li key=${at}>${dateTime(at)} <span class="muted">(${relative(at)})</span></li>`)}
                      </ul>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`}
    <//>
  </section>`;
}
