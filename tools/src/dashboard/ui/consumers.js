// A queue's consumers (Lambda event source mappings) with their state, and pause/resume.
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { postJson } from "./api.js";

/** ESM states that mean "not taking messages" (Enabled, Enabling... take them or will). */
const STOPPED = new Set(["Disabled", "Disabling"]);

/**
 * @typedef {{ uuid: string, functionName: string, state: string, batchSize: number | null,
 *   maximumConcurrency: number | null }} Consumer
 */

/** @param {Consumer[]} consumers */
function allPaused(consumers) {
  return consumers.length > 0 && consumers.every((c) => STOPPED.has(c.state));
}

/**
 * @param {{ queue: string, consumers: Consumer[] | null, error: string | null, readOnly: boolean,
 *   onChanged: () => void }} props
 */
export function Consumers({ queue, consumers, error, readOnly, onChanged }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState(/** @type {string | undefined} */ (undefined));
  if (consumers === null) return html`<span class="muted" title=${error ?? ""}>${error ?? "unknown"}</span>`;
  if (consumers.length === 0) return html`<span class="muted">none</span>`;

  const paused = allPaused(consumers);
  const act = async () => {
    setBusy(true);
    setFailure(undefined);
    try {
      await postJson(`queues/${encodeURIComponent(queue)}/${paused ? "resume" : "pause"}`, {});
      onChanged();
    } catch (e) {
      setFailure(/** @type {Error} */ (e).message);
    } finally {
      setBusy(false);
    }
  };

  return html`<div class="consumers">
    <ul>
      ${consumers.map(
        (c) => html`<li key=${c.uuid}>
          <span class=${`state ${STOPPED.has(c.state) ? "paused" : "running"}`}>${c.state}</span>
          <span class="fn" title=${`batch ${c.batchSize ?? "–"}, max concurrency ${c.maximumConcurrency ?? "–"}`}>${c.functionName}</span>
        </li>`,
      )}
    </ul>
    ${
      readOnly
        ? null
        : html`<button type="button" class="small" disabled=${busy} onClick=${act}
            aria-label=${`${paused ? "Resume" : "Pause"} the consumers of ${queue}`}>
            ${paused ? "Resume" : "Pause"}
          </button>`
    }
    ${failure === undefined ? null : html`<p class="error-text" role="alert">${failure}</p>`}
  </div>`;
}
