/**
 * ISO 8601 with a time and a zone: what `Date.toISOString()` writes, or with fewer digits
 * (no seconds, up to nanoseconds) or an offset (`+01:00` or `+0100`).
 */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Days in a month (1-12) of a year, leap years included. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const ZERO = "0".charCodeAt(0);

/** The two digits at `at` as a number (the pattern has checked they are digits). */
function twoDigits(value: string, at: number): number {
  return (value.charCodeAt(at) - ZERO) * 10 + (value.charCodeAt(at + 1) - ZERO);
}

/**
 * True for an ISO 8601 date string that names a real instant. The pattern alone lets through
 * month 13, February 30th or hour 24, which `new Date()` turns into Invalid Date or silently
 * into another day, so each field is checked against its range.
 *
 * Every record's envelope comes through here, so the pattern has no capture groups and the fields
 * are read without making strings (each costs more than the rest of the check): once the pattern
 * matched, every field is at a known place.
 */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== "string" || !ISO_DATE.test(value)) return false;
  // YYYY-MM-DDTHH:MM, then :SS when present; the offset ends the string (absent for Z).
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const seconds = value[16] === ":" ? twoDigits(value, 17) : 0;
  const end = value.length;
  const zulu = value.endsWith("Z");
  const offsetHours = zulu ? 0 : twoDigits(value, value[end - 3] === ":" ? end - 5 : end - 4);
  const offsetMinutes = zulu ? 0 : twoDigits(value, end - 2);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(twoDigits(value, 0) * 100 + twoDigits(value, 2), month) &&
    twoDigits(value, 11) < 24 &&
    twoDigits(value, 14) < 60 &&
    seconds < 60 &&
    offsetHours < 24 &&
    offsetMinutes < 60
  );
}
