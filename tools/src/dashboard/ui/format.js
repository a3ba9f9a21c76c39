// How numbers, ages and times read on the page.

const numbers = new Intl.NumberFormat();

/** @param {number | null | undefined} n */
export function count(n) {
  return n === null || n === undefined ? "–" : numbers.format(n);
}

/**
 * `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`.
 * @param {number | null | undefined} seconds
 */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/**
 * `5 min ago`, `in 2 h 3 min`.
 * @param {string | null | undefined} iso
 * @param {number} [now]
 */
export function relative(iso, now = Date.now()) {
  if (iso === null || iso === undefined) return "–";
  const ms = Date.parse(iso) - now;
  if (Number.isNaN(ms)) return iso;
  if (Math.abs(ms) < 1000) return "now";
  return ms > 0 ? `in ${duration(ms / 1000)}` : `${duration(-ms / 1000)} ago`;
}

/**
 * The local date and time, to the second: `2026-12-01 14:05:09`.
 * @param {string | null | undefined} iso
 */
export function dateTime(iso) {
  if (iso === null || iso === undefined) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * A `datetime-local` input's value as ISO-8601, or "" when empty or invalid.
 * @param {string} value
 */
export function localInputToIso(value) {
  const d = new Date(value);
  return value === "" || Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

/**
 * An ISO time as a `datetime-local` input's value (local time, to the minute).
 * @param {string | null} iso
 */
export function isoToLocalInput(iso) {
  if (iso === null || iso === "") return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
