/** Characters SQS refuses in a String message attribute (it accepts XML 1.0's character set). */
const REFUSED = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * A String attribute value that SQS accepts: refused characters (NUL, control characters, lone
 * surrogates) become U+FFFD, and a long value is cut to `maxChars` UTF-16 units without splitting a
 * surrogate pair. Otherwise AWS refuses the whole send, and a dead letter would never be written.
 */
export function attributeText(value: string, maxChars: number): string {
  const clean = value.replace(REFUSED, "\uFFFD");
  if (clean.length <= maxChars) return clean;
  const last = clean.charCodeAt(maxChars - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars;
  return clean.slice(0, end);
}
