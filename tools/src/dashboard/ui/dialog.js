// A modal dialog on the native <dialog>: the rest of the page is inert while it is open, Escape
// closes it, Tab wraps inside it, and focus goes back where it was when it closes.
import { html } from "htm/preact";
import { useEffect, useId, useRef } from "preact/hooks";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Keeps Tab and Shift+Tab on the dialog's own controls (the native modal lets focus out to the
 * browser's address bar, which surprises keyboard users in the middle of a confirmation).
 * @param {KeyboardEvent} event
 * @param {HTMLElement} container
 */
function wrapTab(event, container) {
  if (event.key !== "Tab") return;
  const items = /** @type {HTMLElement[]} */ ([...container.querySelectorAll(FOCUSABLE)]);
  const first = items[0];
  const lastItem = items[items.length - 1];
  if (first === undefined || lastItem === undefined) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    lastItem.focus();
  } else if (!event.shiftKey && document.activeElement === lastItem) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * Open while rendered: render it only when it should show.
 * @param {{ title: string, onClose: () => void, children: unknown, wide?: boolean }} props
 */
export function Dialog({ title, onClose, children, wide = false }) {
  const ref = useRef(/** @type {HTMLDialogElement | null} */ (null));
  const titleId = useId();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const opener = /** @type {HTMLElement | null} */ (document.activeElement);
    dialog.showModal();
    // Escape fires `cancel`: the owner decides, so the dialog's state stays in one place.
    const onCancel = (/** @type {Event} */ event) => {
      event.preventDefault();
      closeRef.current();
    };
    const onKey = (/** @type {KeyboardEvent} */ event) => wrapTab(event, dialog);
    dialog.addEventListener("cancel", onCancel);
    dialog.addEventListener("keydown", onKey);
    return () => {
      dialog.removeEventListener("cancel", onCancel);
      dialog.removeEventListener("keydown", onKey);
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return html`<dialog ref=${ref} class=${wide ? "wide" : ""} aria-labelledby=${titleId}>
    <header class="dialog-head">
      <h2 id=${titleId}>${title}</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${() => closeRef.current()}>×</button>
    </header>
    ${children}
  </dialog>`;
}
