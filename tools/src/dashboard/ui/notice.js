// Empty, loading and error states that say what to do next.
import { html } from "htm/preact";

/** What a person can do about an API error, by its code. */
const ADVICE = {
  NETWORK: "Start it again; this page picks up as soon as it answers.",
  TOKEN_REQUIRED:
    "Open the dashboard with the full URL that sqs-jobs printed: its #token=... part allows actions in this tab.",
  READ_ONLY:
    "This dashboard was started with --read-only: actions are off. Restart it without the flag to act.",
  QUEUE_NOT_FOUND: "The queue may have been deleted or renamed. Go back to the queues to pick another.",
  NO_LEDGER:
    "Jobs are listed from the job ledger: give your JobQueue a ledger (JobLedger) in the CDK app, or start the dashboard with --table NAME.",
  NO_SCHEDULER: "Schedules are read from EventBridge Scheduler, which this dashboard cannot reach.",
};

/** Answers that mean "not set up here" rather than "broken": shown as an empty state. */
const NOT_SET_UP = new Set(["NO_LEDGER", "NO_SCHEDULER"]);

/**
 * @param {{ error: Error & { code?: string }, title?: string }} props
 */
export function ErrorNotice({ error, title = "Something went wrong" }) {
  const advice = error.code === undefined ? undefined : ADVICE[/** @type {keyof ADVICE} */ (error.code)];
  if (error.code !== undefined && NOT_SET_UP.has(error.code)) {
    return html`<div class="notice empty" role="status">
      <strong>${error.message}</strong>
      <p>${advice}</p>
    </div>`;
  }
  return html`<div class="notice error" role="alert">
    <strong>${title}</strong>
    <p>${error.message}</p>
    ${advice === undefined ? null : html`<p>${advice}</p>`}
  </div>`;
}

/**
 * An answer that came before but failed this time: the page keeps the last data and says so.
 * @param {{ error: Error | undefined, updatedAt: Date | undefined }} props
 */
export function StaleNotice({ error, updatedAt }) {
  if (error === undefined) return null;
  const since =
    updatedAt === undefined ? "" : ` Showing what it answered at ${updatedAt.toLocaleTimeString()}.`;
  return html`<div class="notice warn" role="status">
    <strong>Could not refresh.</strong> ${error.message}${since} Trying again every few seconds.
  </div>`;
}

/** @param {{ title: string, children?: unknown }} props */
export function Empty({ title, children }) {
  return html`<div class="notice empty">
    <strong>${title}</strong>
    ${children}
  </div>`;
}

export function Loading() {
  return html`<p class="muted" role="status">Loading…</p>`;
}

/**
 * Loading, error (with nothing to show) or the page's content.
 * @param {{ data: unknown, error: Error | undefined, title: string, children: () => unknown }} props
 */
export function Loaded({ data, error, title, children }) {
  if (data === undefined && error !== undefined)
    return html`<${ErrorNotice} error=${error} title=${title} />`;
  if (data === undefined) return html`<${Loading} />`;
  return children();
}
