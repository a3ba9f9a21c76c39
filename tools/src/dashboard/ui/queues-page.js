// The queues: depth, age, DLQ, consumers and small charts of the last minutes, one row each.
import { html } from "htm/preact";
import { getJson } from "./api.js";
import { Consumers } from "./consumers.js";
import { count, duration } from "./format.js";
import { Empty, Loaded, StaleNotice } from "./notice.js";
import { usePolling } from "./polling.js";
import { href, queuePath } from "./router.js";
import { Sparkline } from "./sparkline.js";

/**
 * @param {{ readOnly: boolean, target: { endpoint: string | null, region: string } | undefined }} props
 */
export function QueuesPage({ readOnly, target }) {
  const { data, error, updatedAt, refresh } = usePolling(() => getJson("queues"), []);
  return html`<section aria-labelledby="page-title">
    <h1 id="page-title" tabindex="-1">Queues</h1>
    <${StaleNotice} error=${data === undefined ? undefined : error} updatedAt=${updatedAt} />
    <${Loaded} data=${data} error=${error} title="Could not list the queues">
      ${() =>
        data.queues.length === 0
          ? html`<${Empty} title="No queues here yet.">
              <p>
                The dashboard lists the queues at ${target === undefined ? "its endpoint" : (target.endpoint ?? `AWS (${target.region})`)}.
                Deploy your app (or run <code>sqs-jobs dev</code>), or check <code>--endpoint</code> and <code>--region</code>.
              </p>
            <//>`
          : html`<${QueueTable} queues=${data.queues} readOnly=${readOnly} onChanged=${refresh} />`}
    <//>
  </section>`;
}

/** @param {{ queues: any[], readOnly: boolean, onChanged: () => void }} props */
function QueueTable({ queues, readOnly, onChanged }) {
  return html`<table class="queues" data-testid="queues-table">
    <thead>
      <tr>
        <th scope="col">Queue</th>
        <th scope="col" class="num">Visible</th>
        <th scope="col" class="num">In flight</th>
        <th scope="col" class="num">Delayed</th>
        <th scope="col" class="num">Oldest</th>
        <th scope="col" class="num">DLQ</th>
        <th scope="col">Consumers</th>
        <th scope="col">
          Depth, 15 min
          <${Legend} keys=${[["main", "visible"], ["muted", "in flight"], ["bad", "DLQ"]]} />
        </th>
        <th scope="col">
          Per minute
          <${Legend} keys=${[["main", "processed"], ["bad", "failed"], ["muted", "sent"]]} />
        </th>
      </tr>
    </thead>
    <tbody>
      ${queues.map((q) => html`<${QueueRow} key=${q.name} queue=${q} readOnly=${readOnly} onChanged=${onChanged} />`)}
    </tbody>
  </table>`;
}

/** @param {{ queue: any, readOnly: boolean, onChanged: () => void }} props */
function QueueRow({ queue: q, readOnly, onChanged }) {
  const history = q.history ?? [];
  return html`<tr data-queue=${q.name}>
    <th scope="row" class="name">
      ${q.name}${q.fifo ? html` <span class="badge">FIFO</span>` : null}
    </th>
    <td class="num" data-col="visible">${count(q.visible)}</td>
    <td class="num" data-col="inFlight">${count(q.inFlight)}</td>
    <td class="num" data-col="delayed">${count(q.delayed)}</td>
    <td class="num">${duration(q.oldestAgeSeconds)}</td>
    <td class="num" data-col="dlq"><${DlqCell} queue=${q} /></td>
    <td>
      <${Consumers}
        queue=${q.name}
        consumers=${q.consumers}
        error=${q.consumersError}
        readOnly=${readOnly}
        onChanged=${onChanged}
      />
    </td>
    <td>
      <${Sparkline}
        label=${`${q.name} depth over the last 15 minutes`}
        times=${history.map((h) => h.at)}
        series=${[
          { name: "visible", tone: "main", values: history.map((h) => h.visible) },
          { name: "in flight", tone: "muted", values: history.map((h) => h.inFlight) },
          { name: "DLQ", tone: "bad", values: history.map((h) => h.dlq) },
        ]}
      />
    </td>
    <td class="rates"><${RatesChart} queue=${q} /></td>
  </tr>`;
}

/** @param {{ keys: [string, string][] }} props */
function Legend({ keys }) {
  return html`<span class="legend">
    ${keys.map(([tone, name]) => html`<span key=${name} class=${`key ${tone}`}>${name}</span>`)}
  </span>`;
}

/** @param {{ queue: any }} props */
function DlqCell({ queue: q }) {
  if (q.dlq === null) return html`<span class="muted" title=${q.dlqError ?? "no redrive policy"}>none</span>`;
  const depth = q.dlq.visible + q.dlq.inFlight + q.dlq.delayed;
  return html`<a
    href=${href(queuePath(q.name))}
    class=${depth > 0 ? "dlq-link has-dead" : "dlq-link"}
    aria-label=${`${count(depth)} dead-lettered in ${q.dlq.name}: open`}
    >${count(depth)}</a
  >`;
}

/** @param {{ queue: any }} props */
function RatesChart({ queue: q }) {
  const rates = q.rates;
  if (rates === null || rates === undefined || rates.source === null) {
    return html`<span class="muted small">${rates?.why ?? "no rates"}</span>`;
  }
  const points = rates.points;
  return html`<${Sparkline}
      label=${`${q.name} jobs per minute`}
      times=${points.map((p) => p.at)}
      series=${[
        { name: "processed", tone: "main", values: points.map((p) => p.processed) },
        { name: "failed", tone: "bad", values: points.map((p) => p.failed) },
        { name: "sent", tone: "muted", values: points.map((p) => p.sent) },
      ]}
    />
    <${JobOutcomes} jobs=${rates.jobs} />`;
}

const OUTCOMES = ["succeeded", "failed", "dead", "throttled", "cancelled"];

/**
 * What the queue's sqs-jobs consumer did with its jobs over the chart's minutes (its EMF metrics
 * per queue, on AWS); nothing where there are none. Succeeded and dead always, the rest when any.
 * @param {{ jobs: Record<string, number>[] | null | undefined }} props
 */
function JobOutcomes({ jobs }) {
  if (jobs === null || jobs === undefined) return null;
  const totals = OUTCOMES.map((key) => ({ key, n: jobs.reduce((sum, p) => sum + (p[key] ?? 0), 0) })).filter(
    ({ key, n }) => n > 0 || key === "succeeded" || key === "dead",
  );
  return html`<div
    class="job-outcomes small muted"
    data-testid="job-outcomes"
    title="jobs over these minutes, from the consumer's metrics"
  >
    ${totals.map(({ key, n }) => `${count(n)} ${key}`).join(" · ")}
  </div>`;
}
