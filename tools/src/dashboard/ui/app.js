// The page's entry: takes the token, reads what the server is connected to, and shows the page
// the address names.
import { html, render } from "htm/preact";
import { useEffect } from "preact/hooks";
import { getJson } from "./api.js";
import { DlqPage } from "./dlq-page.js";
import { JobPage } from "./job-page.js";
import { JobsPage } from "./jobs-page.js";
import { Empty, ErrorNotice } from "./notice.js";
import { usePolling } from "./polling.js";
import { QueuesPage } from "./queues-page.js";
import { href, useRoute } from "./router.js";
import { SchedulesPage } from "./schedules-page.js";
import { takeToken } from "./token.js";

const token = takeToken();

function App() {
  const route = useRoute();
  // What the server is connected to hardly changes: read it now and then, not every few seconds.
  // The page does not wait for it (one round trip less before the first table); until it
  // answers, actions stay hidden as if read-only.
  const { data: info, error } = usePolling(() => getJson("info"), [], { intervalMs: 30_000 });

  // A new page: focus its heading, so keyboard and screen reader users start there.
  useEffect(() => {
    document.getElementById("page-title")?.focus({ preventScroll: true });
  }, [route.path]);

  return html`
    <a class="skip" href="#main" onClick=${skipToMain}>Skip to content</a>
    <header class="top">
      <span class="brand">sqs-jobs</span>
      <nav aria-label="Pages">
        <${NavLink} path="/queues" current=${route.page === "queues" || route.page === "dlq"}>Queues<//>
        <${NavLink} path="/jobs" current=${route.page === "jobs" || route.page === "job"}>Jobs<//>
        <${NavLink} path="/schedules" current=${route.page === "schedules"}>Schedules<//>
      </nav>
      ${info === undefined ? null : html`<${Target} info=${info} />`}
    </header>
    <main id="main">
      ${
        info !== undefined && !info.readOnly && token === null
          ? html`<p class="notice warn">
              This tab has no token, so actions will be refused. Open the URL that sqs-jobs printed (it ends in
              <code>#token=…</code>).
            </p>`
          : null
      }
      ${info === undefined && error !== undefined ? html`<${ErrorNotice} error=${error} title="The dashboard's server did not answer" />` : null}
      <${Page} route=${route} readOnly=${info?.readOnly ?? true} target=${info?.target} />
    </main>
  `;
}

/** @param {MouseEvent} event */
function skipToMain(event) {
  // The hash is the router's: move focus without touching it.
  event.preventDefault();
  document.getElementById("page-title")?.focus();
}

/** @param {{ path: string, current: boolean, children: unknown }} props */
function NavLink({ path, current, children }) {
  return html`<a href=${href(path)} aria-current=${current ? "page" : undefined}>${children}</a>`;
}

/** @param {{ info: any }} props */
function Target({ info }) {
  return html`<p class="target">
    <span title="Where the dashboard reads queues">${info.target.endpoint ?? "AWS"} · ${info.target.region}</span>
    ${info.readOnly ? html` <span class="badge">read-only</span>` : null}
  </p>`;
}

/**
 * @param {{ route: import("./router.js").Route, readOnly: boolean,
 *   target: { endpoint: string | null, region: string } | undefined }} props
 */
function Page({ route, readOnly, target }) {
  switch (route.page) {
    case "queues":
      return html`<${QueuesPage} readOnly=${readOnly} target=${target} />`;
    case "dlq":
      return html`<${DlqPage} key=${route.params.queue} readOnly=${readOnly} route=${route} />`;
    case "jobs":
      return html`<${JobsPage} route=${route} />`;
    case "job":
      return html`<${JobPage} key=${route.params.id} route=${route} readOnly=${readOnly} />`;
    case "schedules":
      return html`<${SchedulesPage} />`;
    default:
      return html`<${Empty} title="No such page.">
        <p><a href=${href("/queues")}>Go to the queues</a>.</p>
      <//>`;
  }
}

const root = document.getElementById("app");
if (root !== null) {
  root.textContent = "";
  render(html`<${App} />`, root);
}
