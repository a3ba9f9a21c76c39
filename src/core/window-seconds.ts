/** The longest window a key of the ledger is kept for: unique keys, debounce. */
export const MAX_KEY_WINDOW_SECONDS = 30 * 86_400;

/** What is wrong with a key's window in seconds (1 s to 30 days), or undefined when it fits. */
export function windowSecondsProblem(field: string, seconds: number): string | undefined {
  if (Number.isInteger(seconds) && seconds >= 1 && seconds <= MAX_KEY_WINDOW_SECONDS) return undefined;
  return `${field} must be an integer between 1 and ${MAX_KEY_WINDOW_SECONDS} (30 days), but ${seconds} was provided`;
}
