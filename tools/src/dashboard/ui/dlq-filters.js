// The DLQ's filters: reason and job counts as chips (a click filters by one), and a form for
// reason text, job name and a time window. They live in the address, so back and links keep them.
import { html } from "htm/preact";
import { count, isoToLocalInput, localInputToIso } from "./format.js";
import { href } from "./router.js";

/** @typedef {{ job: string, reason: string, since: string, until: string }} DlqFilter */

/** @param {URLSearchParams} query @returns {DlqFilter} */
export function filterOf(query) {
  return {
    job: query.get("job") ?? "",
    reason: query.get("reason") ?? "",
    since: query.get("since") ?? "",
    until: query.get("until") ?? "",
  };
}

/** @param {DlqFilter} filter */
export function isFiltered(filter) {
  return Object.values(filter).some((v) => v !== "");
}

/**
 * @param {{ path: string, filter: DlqFilter, reasons: { reason: string, count: number }[],
 *   jobs: { jobName: string, count: number }[] }} props
 */
export function DlqFilters({ path, filter, reasons, jobs }) {
  /** @param {Partial<DlqFilter>} change */
  const link = (change) => href(path, { ...filter, ...change });
  const onSubmit = (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    const text = (/** @type {string} */ name) => String(form.get(name) ?? "").trim();
    location.hash = href(path, {
      reason: text("reason"),
      job: text("job"),
      since: localInputToIso(text("since")),
      until: localInputToIso(text("until")),
    });
  };

  return html`<div class="filters">
    <div class="chips" role="group" aria-label="Reasons">
      <span class="chips-label">Reasons</span>
      ${reasons.length === 0 ? html`<span class="muted">none</span>` : null}
      ${reasons.map(
        (r) => html`<a
          key=${r.reason}
          class="chip"
          href=${link({ reason: filter.reason === r.reason ? "" : r.reason })}
          aria-current=${filter.reason === r.reason ? "true" : undefined}
          data-reason=${r.reason}
          ><span class=${`reason ${r.reason}`}>${r.reason}</span> <span class="chip-count">${count(r.count)}</span></a
        >`,
      )}
    </div>
    <div class="chips" role="group" aria-label="Jobs">
      <span class="chips-label">Jobs</span>
      ${jobs.length === 0 ? html`<span class="muted">none</span>` : null}
      ${jobs.map(
        (j) => html`<a
          key=${j.jobName}
          class="chip"
          href=${link({ job: filter.job === j.jobName ? "" : j.jobName })}
          aria-current=${filter.job === j.jobName ? "true" : undefined}
          data-job=${j.jobName}
          >${j.jobName} <span class="chip-count">${count(j.count)}</span></a
        >`,
      )}
    </div>
    <form class="filter-form" onSubmit=${onSubmit} key=${JSON.stringify(filter)}>
      <label>
        Reason or error text
        <input name="reason" type="search" value=${filter.reason} placeholder="poison, timeout…" />
      </label>
      <label>
        Job
        <input name="job" type="search" value=${filter.job} list="dlq-job-names" placeholder="any job" />
        <datalist id="dlq-job-names">${jobs.map((j) => html`<option key=${j.jobName} value=${j.jobName} />`)}</datalist>
      </label>
      <label>
        Failed since
        <input name="since" type="datetime-local" value=${isoToLocalInput(filter.since)} />
      </label>
      <label>
        until
        <input name="until" type="datetime-local" value=${isoToLocalInput(filter.until)} />
      </label>
      <button type="submit">Filter</button>
      ${isFiltered(filter) ? html`<a class="button secondary" href=${href(path)}>Clear filters</a>` : null}
    </form>
  </div>`;
}
