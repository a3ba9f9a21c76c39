// The dead-lettered jobs of one DLQ: why each died, with a box to select it and a peek button.
import { html } from "htm/preact";
import { count, dateTime, relative } from "./format.js";

/**
 * @typedef {{ messageId: string, jobName: string | null, jobId: string | null, reason: string | null,
 *   errorName: string | null, errorMessage: string | null, attempts: number | null,
 *   firstFailureAt: string | null, lastFailureAt: string | null, sourceQueue: string | null }} DeadRecord
 */

/**
 * @param {{ records: DeadRecord[], selected: Set<string>, selectable: boolean,
 *   onSelect: (ids: string[], on: boolean) => void, onPeek: (record: DeadRecord) => void }} props
 */
export function DlqTable({ records, selected, selectable, onSelect, onPeek }) {
  const allOn = records.length > 0 && records.every((r) => selected.has(r.messageId));
  return html`<table class="dlq" data-testid="dlq-table">
    <thead>
      <tr>
        ${
          selectable
            ? html`<th scope="col" class="check">
                <input
                  type="checkbox"
                  aria-label="Select all shown"
                  checked=${allOn}
                  onChange=${(/** @type {Event} */ e) =>
                    onSelect(
                      records.map((r) => r.messageId),
                      /** @type {HTMLInputElement} */ (e.target).checked,
                    )}
                />
              </th>`
            : null
        }
        <th scope="col">Job</th>
        <th scope="col">Reason</th>
        <th scope="col">Error</th>
        <th scope="col" class="num">Attempts</th>
        <th scope="col">Last failure</th>
        <th scope="col"><span class="visually-hidden">Envelope</span></th>
      </tr>
    </thead>
    <tbody>
      ${records.map(
        (r) => html`<tr key=${r.messageId} data-message-id=${r.messageId}>
          ${
            selectable
              ? html`<td class="check">
                  <input
                    type="checkbox"
                    aria-label=${`Select ${r.jobName ?? "job"} ${r.jobId ?? r.messageId}`}
                    checked=${selected.has(r.messageId)}
                    onChange=${(/** @type {Event} */ e) =>
                      onSelect([r.messageId], /** @type {HTMLInputElement} */ (e.target).checked)}
                  />
                </td>`
              : null
          }
          <td>
            <div>${r.jobName ?? html`<span class="muted">unknown</span>`}</div>
            <div class="muted small mono">${r.jobId ?? r.messageId}</div>
          </td>
          <td><span class=${`reason ${r.reason ?? "sqs"}`}>${r.reason ?? "sqs"}</span></td>
          <td class="error-cell">
            ${r.errorName === null ? null : html`<strong>${r.errorName}</strong> `}
            <span>${r.errorMessage ?? (r.reason === null ? "moved by the queue's redrive policy" : "")}</span>
          </td>
          <td class="num">${count(r.attempts)}</td>
          <td title=${dateTime(r.lastFailureAt)}>${relative(r.lastFailureAt)}</td>
          <td>
            <button type="button" class="small secondary" onClick=${() => onPeek(r)}
              aria-label=${`Peek at the envelope of ${r.jobName ?? "job"} ${r.jobId ?? r.messageId}`}>
              Peek
            </button>
          </td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}
