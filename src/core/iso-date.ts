/** ISO 8601 as `Date.toISOString()` writes it, or with fewer digits or an offset; far cheaper than Date.parse. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Where `YYYY-MM-DDTHH:MM:SS.sssZ` (what JobClient writes) has digits. */
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/** The exact shape JobClient writes (`Date.toISOString()`), checked character by character (faster than any regex). */
function isToIsoString(v: string): boolean {
  if (
    v.length !== 24 ||
    v.charCodeAt(4) !== 45 || // -
    v.charCodeAt(7) !== 45 || // -
    v.charCodeAt(10) !== 84 || // T
    v.charCodeAt(13) !== 58 || // :
    v.charCodeAt(16) !== 58 || // :
    v.charCodeAt(19) !== 46 || // .
    v.charCodeAt(23) !== 90 // Z
  ) {
    return false;
  }
  // As unsigned, a code below "0" wraps around above 9.
  for (const i of DIGITS) if ((v.charCodeAt(i) - 48) >>> 0 > 9) return false;
  return true;
}

export function isIsoDate(value: unknown): boolean {
  return typeof value === "string" && (isToIsoString(value) || ISO_DATE.test(value));
}
