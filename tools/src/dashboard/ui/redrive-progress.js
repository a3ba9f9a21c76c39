// A redrive running on the server: its task polled until it ends, drawn as a progress bar. The
// owner keeps the task (this view may unmount and mount again while the list reloads), so an
// ended task is never shown as running again.
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api.js";
import { count } from "./format.js";

const TASK_POLL_MS = 1000;

/**
 * @typedef {{ id: string, state: "running" | "done" | "failed", moved: number, skipped: number,
 *   failed: number, total: number | null, errors: string[] }} Task
 */

/**
 * Indeterminate while the total is unknown; full once the task ended.
 * @param {Task} task
 * @param {number} done
 */
function progressBar(task, done) {
  if (task.state !== "running") return html`<progress max="1" value="1"></progress>`;
  if (task.total === null || task.total === 0) return html`<progress></progress>`;
  return html`<progress max=${task.total} value=${Math.min(done, task.total)}></progress>`;
}

/**
 * @param {{ task: Task, onUpdate: (task: Task) => void }} props
 */
export function RedriveProgress({ task, onUpdate }) {
  const [error, setError] = useState(/** @type {string | undefined} */ (undefined));
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (task.state !== "running") return;
    const timer = setTimeout(async () => {
      try {
        onUpdate(await getJson(`tasks/${encodeURIComponent(task.id)}`));
        setError(undefined);
      } catch (e) {
        setError(/** @type {Error} */ (e).message);
      }
      setAttempt((n) => n + 1);
    }, TASK_POLL_MS);
    return () => clearTimeout(timer);
  }, [task, attempt]);

  const done = task.moved + task.skipped + task.failed;
  const of = task.total === null ? "" : ` of ${count(task.total)}`;
  return html`<div class="progress" data-testid="redrive-progress" data-state=${task.state}>
    <label>
      ${task.state === "running" ? "Redriving…" : task.state === "done" ? "Redrive done." : "Redrive failed."}
      ${progressBar(task, done)}
    </label>
    <span role="status">
      ${count(task.moved)}${of} moved back to the queue, ${count(task.skipped)} skipped, ${count(task.failed)} failed.
    </span>
    ${task.errors.length === 0 ? null : html`<ul class="error-text">${task.errors.map((e) => html`<li>${e}</li>`)}</ul>`}
    ${error === undefined ? null : html`<p class="error-text">${error}</p>`}
  </div>`;
}
