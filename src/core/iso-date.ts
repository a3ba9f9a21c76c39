/**
 * ISO 8601 with a time and a zone: what `Date.toISOString()` writes, or with fewer digits
 * (no seconds, up to nanoseconds) or an offset. Captures the date and time up to the seconds, and
 * the offset.
 */
const ISO_DATE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?:(:\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/;

/**
 * True for an ISO 8601 date string that names a real instant. The pattern alone lets through
 * month 13, February 30th or hour 24, which `new Date()` turns into Invalid Date or silently
 * into another day: the fields must come back unchanged from a Date round trip.
 */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const match = ISO_DATE.exec(value);
  if (match === null) return false;
  const [, dateTime, seconds = ":00", offsetHours = "00", offsetMinutes = "00"] = match;
  const utc = `${dateTime}${seconds}.000Z`;
  const date = new Date(utc);
  return (
    !Number.isNaN(date.getTime()) &&
    date.toISOString() === utc &&
    Number(offsetHours) < 24 &&
    Number(offsetMinutes) < 60
  );
}
