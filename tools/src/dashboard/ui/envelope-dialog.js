// Peek at one dead-lettered job: why it died and its envelope, the payload only when asked for
// (payloads may hold personal data, and a screen may be shared). Showing it is an action: it
// needs the token, and a read-only dashboard refuses it.
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api.js";
import { Dialog } from "./dialog.js";
import { dateTime } from "./format.js";
import { ErrorNotice, Loading } from "./notice.js";

/**
 * @param {{ queue: string, messageId: string, title: string, readOnly: boolean, onClose: () => void }} props
 */
export function EnvelopeDialog({ queue, messageId, title, readOnly, onClose }) {
  const [peek, setPeek] = useState(/** @type {any} */ (undefined));
  const [error, setError] = useState(/** @type {Error | undefined} */ (undefined));
  const [loadingPayload, setLoadingPayload] = useState(false);
  const path = `queues/${encodeURIComponent(queue)}/dlq/${encodeURIComponent(messageId)}`;

  useEffect(() => {
    getJson(path).then(setPeek, setError);
  }, [path]);

  const showPayload = async () => {
    setLoadingPayload(true);
    try {
      setPeek(await getJson(path, { payload: 1 }));
      setError(undefined);
    } catch (e) {
      setError(/** @type {Error} */ (e));
    } finally {
      setLoadingPayload(false);
    }
  };

  return html`<${Dialog} title=${title} onClose=${onClose} wide>
    ${error === undefined ? null : html`<${ErrorNotice} error=${error} title="Could not read this job" />`}
    ${peek === undefined && error === undefined ? html`<${Loading} />` : null}
    ${peek === undefined ? null : html`<${PeekBody} peek=${peek} />`}
    ${
      peek === undefined || peek.payloadShown
        ? null
        : readOnly
          ? html`<p class="muted small">Payloads stay hidden on a read-only dashboard.</p>`
          : html`<p>
            <button type="button" onClick=${showPayload} disabled=${loadingPayload}>Show payload</button>
            <span class="muted small"> The payload stays hidden until you ask: it may hold personal data.</span>
          </p>`
    }
    <footer class="dialog-actions">
      <button type="button" class="secondary" onClick=${onClose}>Close</button>
    </footer>
  <//>`;
}

/** What `format` a body that is not an envelope has, in words. */
const FORMATS = /** @type {Record<string, string>} */ ({
  sns: "an SNS notification",
  json: "JSON",
  text: "text",
});

/** @param {{ peek: any }} props */
function PeekBody({ peek }) {
  const r = peek.record;
  return html`<div class="peek" data-testid="envelope">
    <dl class="fields">
      <dt>Reason</dt>
      <dd><span class=${`reason ${r.reason ?? "sqs"}`}>${r.reason ?? "sqs"}</span></dd>
      <dt>Error</dt>
      <dd>${r.errorName ?? "–"}: ${r.errorMessage ?? "–"}</dd>
      <dt>Attempts</dt>
      <dd>${r.attempts ?? "–"}</dd>
      <dt>First failure</dt>
      <dd>${dateTime(r.firstFailureAt)}</dd>
      <dt>Last failure</dt>
      <dd>${dateTime(r.lastFailureAt)}</dd>
      <dt>Message id</dt>
      <dd class="mono">${r.messageId}</dd>
    </dl>
    <h3>Envelope</h3>
    ${
      peek.envelope === null
        ? html`<p class="muted">The body (${FORMATS[peek.format] ?? peek.format}, ${peek.bytes} bytes) is not an sqs-jobs envelope: all of it is payload.</p>`
        : html`${peek.format === "sns-envelope" ? html`<p class="muted small">Delivered by SNS.</p>` : null}
            <pre class="json">${JSON.stringify(peek.envelope, null, 2)}</pre>`
    }
    ${
      peek.payloadShown
        ? html`<h3>${peek.envelope === null ? "Body" : "Payload"}</h3>
            <pre class="json" data-testid="payload">${
              typeof peek.payload === "string" && peek.envelope === null
                ? peek.payload
                : JSON.stringify(peek.payload, null, 2)
            }</pre>`
        : null
    }
  </div>`;
}
