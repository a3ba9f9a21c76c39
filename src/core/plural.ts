/**
 * A count with its noun for a person to read: "1 message", "2 messages", "0 messages". One place,
 * so no message says "1 messages" again.
 *
 * @example
 * plural(1, "message"); // "1 message"
 * plural(3, "entry", "entries"); // "3 entries"
 */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
