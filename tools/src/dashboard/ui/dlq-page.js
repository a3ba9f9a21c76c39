// One queue's dead-letter queue: why each job died, filters, peek, redrive with progress, purge.
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { getJson, postJson } from "./api.js";
import { DlqFilters, filterOf, isFiltered } from "./dlq-filters.js";
import { DlqTable } from "./dlq-table.js";
import { EnvelopeDialog } from "./envelope-dialog.js";
import { count } from "./format.js";
import { Empty, ErrorNotice, Loaded, StaleNotice } from "./notice.js";
import { usePolling } from "./polling.js";
import { PurgeDialog } from "./purge-dialog.js";
import { RedriveProgress } from "./redrive-progress.js";
import { href, queuePath } from "./router.js";

const DLQ_POLL_MS = 5000;

/**
 * @param {{ readOnly: boolean, route: import("./router.js").Route }} props
 */
export function DlqPage({ readOnly, route }) {
  const queue = route.params.queue ?? "";
  const filter = filterOf(route.query);
  const filterKey = JSON.stringify(filter);
  const base = `queues/${encodeURIComponent(queue)}/dlq`;
  // Polled every 5 s; the server peeks again only when the DLQ's depth moved or its peek is a
  // minute old, since every peek hides the messages a moment and counts in their receive count.
  const { data, error, updatedAt, refresh } = usePolling(() => getJson(base, filter), [base, filterKey], {
    intervalMs: DLQ_POLL_MS,
  });
  const [selected, setSelected] = useState(() => new Set());
  const [peeking, setPeeking] = useState(
    /** @type {{ id: string, title: string } | undefined} */ (undefined),
  );
  const [purging, setPurging] = useState(false);
  const [task, setTask] = useState(/** @type {any} */ (undefined));
  const [flash, setFlash] = useState("");
  const [actionError, setActionError] = useState(/** @type {Error | undefined} */ (undefined));

  // Another queue or another filter: what was selected is no longer on screen.
  useEffect(() => setSelected(new Set()), [base, filterKey]);

  const shown = data?.records ?? [];
  const selectedShown = shown
    .filter((/** @type {any} */ r) => selected.has(r.messageId))
    .map((r) => r.messageId);

  /** @param {string[]} ids @param {boolean} on */
  const select = (ids, on) => {
    const next = new Set(selected);
    for (const id of ids) on ? next.add(id) : next.delete(id);
    setSelected(next);
  };

  /** @param {object} body */
  const redrive = async (body) => {
    setFlash("");
    setActionError(undefined);
    try {
      setTask((await postJson(`${base}/redrive`, body)).task);
    } catch (e) {
      setActionError(/** @type {Error} */ (e));
    }
  };
  const onTaskUpdate = (/** @type {any} */ next) => {
    setTask(next);
    if (next.state === "running") return;
    setFlash(`Redrive ${next.state}: ${count(next.moved)} moved back to ${queue}.`);
    setSelected(new Set());
    refresh();
  };
  const busy = task !== undefined && task.state === "running";
  const filterBody = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== ""));

  return html`<section aria-labelledby="page-title">
    <p class="crumbs"><a href=${href("/queues")}>Queues</a> › ${queue}</p>
    <h1 id="page-title" tabindex="-1">
      Dead letters of ${queue}${data === undefined ? null : html` <span class="muted">(${data.dlq.name})</span>`}
    </h1>
    <${StaleNotice} error=${data === undefined ? undefined : error} updatedAt=${updatedAt} />
    <${Loaded} data=${data} error=${error} title=${`Could not read the DLQ of ${queue}`}>
      ${() => html`
        <p class="summary" data-testid="dlq-summary">
          <strong data-testid="dlq-depth">${count(data.depth)}</strong> in the DLQ${" · "}
          ${isFiltered(filter) ? `${count(shown.length)} match the filter, of ` : `showing ${count(shown.length)} of `}
          ${count(data.scanned)} scanned
        </p>
        <${DlqFilters} path=${queuePath(queue)} filter=${filter} reasons=${data.reasons} jobs=${data.jobs} />
        ${
          readOnly
            ? null
            : html`<div class="actions" role="group" aria-label="Actions">
                <button type="button" disabled=${busy || selectedShown.length === 0}
                  onClick=${() => redrive({ messageIds: selectedShown })}>
                  Redrive selected (${selectedShown.length})
                </button>
                <button type="button" disabled=${busy || shown.length === 0}
                  onClick=${() => redrive(isFiltered(filter) ? { filter: filterBody } : {})}>
                  ${isFiltered(filter) ? "Redrive all matching the filter" : "Redrive all"}
                </button>
                <button type="button" class="danger" onClick=${() => setPurging(true)}>Purge DLQ…</button>
              </div>`
        }
        ${task === undefined ? null : html`<${RedriveProgress} key=${task.id} task=${task} onUpdate=${onTaskUpdate} />`}
        ${flash === "" ? null : html`<p class="flash" role="status">${flash}</p>`}
        ${actionError === undefined ? null : html`<${ErrorNotice} error=${actionError} title="The action failed" />`}
        ${
          shown.length === 0
            ? html`<${Empty} title=${isFiltered(filter) ? "No dead-lettered job matches this filter." : "This DLQ is empty."}>
                <p>${isFiltered(filter) ? html`<a href=${href(queuePath(queue))}>Clear the filters</a> to see them all.` : "Nothing has failed for good here. Jobs that do show up with their reason."}</p>
              <//>`
            : html`<${DlqTable}
                records=${shown}
                selected=${selected}
                selectable=${!readOnly}
                onSelect=${select}
                onPeek=${(/** @type {any} */ r) => setPeeking({ id: r.messageId, title: `${r.jobName ?? "Job"} ${r.jobId ?? r.messageId}` })}
              />`
        }
        ${
          peeking === undefined
            ? null
            : html`<${EnvelopeDialog}
                queue=${queue}
                messageId=${peeking.id}
                title=${peeking.title}
                readOnly=${readOnly}
                onClose=${() => setPeeking(undefined)}
              />`
        }
        ${
          purging
            ? html`<${PurgeDialog}
                queue=${queue}
                dlqName=${data.dlq.name}
                depth=${data.depth}
                onClose=${() => setPurging(false)}
                onPurged=${(/** @type {string} */ name) => {
                  setPurging(false);
                  setFlash(`Purged ${name}.`);
                  refresh();
                }}
              />`
            : null
        }
      `}
    <//>
  </section>`;
}
