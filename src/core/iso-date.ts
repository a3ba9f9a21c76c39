/**
 * ISO 8601 with a time and a zone: what `Date.toISOString()` writes, or with fewer digits
 * (no seconds, up to nanoseconds) or an offset.
 */
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

/** Days in a month (1-12) of a year, leap years included. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * True for an ISO 8601 date string that names a real instant. The pattern alone lets through
 * month 13, February 30th or hour 24, which `new Date()` turns into Invalid Date or silently
 * into another day, so each field is checked against its range.
 */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const match = ISO_DATE.exec(value);
  if (match === null) return false;
  // Absent seconds or offset read as 0.
  const field = (index: number): number => Number(match[index] ?? 0);
  const month = field(2);
  const day = field(3);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(field(1), month) &&
    field(4) < 24 &&
    field(5) < 60 &&
    field(6) < 60 &&
    field(7) < 24 &&
    field(8) < 60
  );
}
