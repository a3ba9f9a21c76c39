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

/** The longest start of `value` that takes at most `maxBytes` in UTF-8, cut between code points. */
export function cutToBytes(value: string, maxBytes: number): string {
  if (Buffer.byteLength(value, "utf8") <= maxBytes) return value;
  let bytes = 0;
  let end = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return value.slice(0, end);
}
