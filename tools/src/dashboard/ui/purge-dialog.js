// Purge a DLQ, confirmed by typing its name: the one action here that cannot be undone.
import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { postJson } from "./api.js";
import { Dialog } from "./dialog.js";
import { count } from "./format.js";

/**
 * @param {{ queue: string, dlqName: string, depth: number, onClose: () => void,
 *   onPurged: (name: string) => void }} props
 */
export function PurgeDialog({ queue, dlqName, depth, onClose, onPurged }) {
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {string | undefined} */ (undefined));
  const matches = typed === dlqName;

  const onSubmit = async (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    if (!matches) return;
    setBusy(true);
    try {
      const answer = await postJson(`queues/${encodeURIComponent(queue)}/dlq/purge`, { confirm: typed });
      onPurged(answer.purged);
    } catch (e) {
      setError(/** @type {Error} */ (e).message);
      setBusy(false);
    }
  };

  return html`<${Dialog} title=${`Purge ${dlqName}?`} onClose=${onClose}>
    <form onSubmit=${onSubmit}>
      <p>
        This deletes all ${count(depth)} dead-lettered jobs of <strong>${dlqName}</strong> for good. To keep them,
        export them first: <code>sqs-jobs dlq export</code>.
      </p>
      <label class="stacked">
        <span>Type <strong class="mono">${dlqName}</strong> to confirm</span>
        <input
          name="confirm"
          autocomplete="off"
          spellcheck="false"
          autofocus
          value=${typed}
          onInput=${(/** @type {Event} */ e) => setTyped(/** @type {HTMLInputElement} */ (e.target).value)}
        />
      </label>
      ${error === undefined ? null : html`<p class="error-text" role="alert">${error}</p>`}
      <footer class="dialog-actions">
        <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="danger" disabled=${!matches || busy}>Purge</button>
      </footer>
    </form>
  <//>`;
}
