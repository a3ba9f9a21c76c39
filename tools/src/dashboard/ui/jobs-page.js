// Jobs from the ledger: find one by id, or list by state and queue.
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { getJson } from "./api.js";
import { relative } from "./format.js";
import { JOB_STATES } from "./job-view.js";
import { Empty, ErrorNotice, Loaded, StaleNotice } from "./notice.js";
import { usePolling } from "./polling.js";
import { href } from "./router.js";

/** @param {{ route: import("./router.js").Route }} props */
export function JobsPage({ route }) {
  const queue = route.query.get("queue") ?? "";
  const state = route.query.get("state") ?? "";
  const { data, error, updatedAt, refresh } = usePolling(
    () => getJson("jobs", { queue, state }),
    [queue, state],
  );
  // Pages past the first, fetched on request; polling refreshes only the first.
  const [more, setMore] = useState(
    /** @type {{ jobs: any[], cursor: string | null, key: string }} */ ({ jobs: [], cursor: null, key: "" }),
  );
  const [moreError, setMoreError] = useState(/** @type {Error | undefined} */ (undefined));
  const key = `${queue}|${state}`;
  const extra = more.key === key ? more : { jobs: [], cursor: null, key };
  const cursor = extra.jobs.length > 0 ? extra.cursor : (data?.cursor ?? null);

  const loadMore = async () => {
    try {
      const page = await getJson("jobs", { queue, state, cursor });
      setMore({ jobs: [...extra.jobs, ...page.jobs], cursor: page.cursor, key });
    } catch (e) {
      setMoreError(/** @type {Error} */ (e));
    }
  };

  return html`<section aria-labelledby="page-title">
    <h1 id="page-title" tabindex="-1">Jobs</h1>
    <${JobFinder} queue=${queue} state=${state} />
    ${data === undefined ? null : html`<${ReadAt} data=${data} onRead=${() => getJson("jobs", { queue, state, fresh: 1 }).then(refresh, refresh)} />`}
    <${StaleNotice} error=${data === undefined ? undefined : error} updatedAt=${updatedAt} />
    <${Loaded} data=${data} error=${error} title="Could not list jobs">
      ${() => {
        /** @type {import("./job-view.js").Job[]} */
        const jobs = [...data.jobs, ...extra.jobs];
        if (jobs.length === 0) {
          return html`<${Empty} title="No jobs to show.">
            <p>${queue !== "" || state !== "" ? "None match: try another state or queue." : "Jobs show here once a tracked job is sent (the ledger keeps them for its retention)."}</p>
          <//>`;
        }
        return html`<table class="jobs" data-testid="jobs-table">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Queue</th>
                <th scope="col" class="num">Attempts</th>
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              ${jobs.map(
                (j) => html`<tr key=${j.jobId}>
                  <td><a href=${href(`/jobs/${encodeURIComponent(j.jobId)}`)}>${j.jobName}</a><div class="muted small mono">${j.jobId}</div></td>
                  <td>
                    <span class=${`job-state ${j.status}`}>${j.status}</span>
                    ${j.reason === null ? null : html` <span class=${`reason ${j.reason}`}>${j.reason}</span>`}
                  </td>
                  <td>${j.queue}</td>
                  <td class="num">${j.attempts}</td>
                  <td>${relative(j.createdAt)}</td>
                  <td>${relative(j.updatedAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${cursor === null ? null : html`<p><button type="button" class="secondary" onClick=${loadMore}>Load more</button></p>`}
          ${moreError === undefined ? null : html`<${ErrorNotice} error=${moreError} title="Could not load more" />`}`;
      }}
    <//>
  </section>`;
}

/**
 * When the list was read: the server reads the ledger's list index for a view only as often as
 * its budget allows (docs/dashboard.md), and answers the polls in between from that reading.
 * @param {{ data: { readAt: string, nextReadAt: string }, onRead: () => void }} props
 */
function ReadAt({ data, onRead }) {
  return html`<p class="muted small" data-testid="jobs-read-at">
    Read from the ledger at ${new Date(data.readAt).toLocaleTimeString()}, again at
    ${" "}${new Date(data.nextReadAt).toLocaleTimeString()} (each reading queries every shard of every listed queue and status).
    ${" "}<button type="button" class="secondary small" onClick=${onRead}>Read now</button>
  </p>`;
}

/** @param {{ queue: string, state: string }} props */
function JobFinder({ queue, state }) {
  const onFind = (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const id = String(new FormData(/** @type {HTMLFormElement} */ (event.target)).get("id") ?? "").trim();
    if (id !== "") location.hash = href(`/jobs/${encodeURIComponent(id)}`);
  };
  const onFilter = (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (event.target));
    location.hash = href("/jobs", {
      queue: String(form.get("queue") ?? "").trim(),
      state: String(form.get("state") ?? ""),
    });
  };
  return html`<div class="filters">
    <form class="filter-form" onSubmit=${onFind}>
      <label>Job id <input name="id" type="search" class="wide-input" placeholder="0193…" /></label>
      <button type="submit">Open</button>
    </form>
    <form class="filter-form" onSubmit=${onFilter} key=${`${queue}|${state}`}>
      <label>
        Status
        <select name="state" value=${state}>
          <option value="">any</option>
          ${JOB_STATES.map((s) => html`<option key=${s} value=${s}>${s}</option>`)}
        </select>
      </label>
      <label>Queue <input name="queue" type="search" value=${queue} placeholder="any queue" /></label>
      <button type="submit">Filter</button>
      ${queue !== "" || state !== "" ? html`<a class="button secondary" href=${href("/jobs")}>Clear filters</a>` : null}
    </form>
  </div>`;
}
