import { createHash } from "node:crypto";

export interface Report {
  readonly inputKey: string;
  readonly jobId: string;
  readonly bytes: number;
  readonly lines: number;
  readonly words: number;
  readonly sha256: string;
  readonly topWords: readonly { readonly word: string; readonly count: number }[];
  readonly builtAt: string;
}

/** Lines analysed between two checks of the abort signal: a timed-out job stops within milliseconds. */
const LINES_PER_CHECK = 5_000;

/** Counts lines, words and the most frequent words of a text, checking `signal` as it goes. */
export function analyse(
  text: string,
  options: { inputKey: string; jobId: string; topWords: number; signal: AbortSignal; now?: Date },
): Report {
  const counts = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  let words = 0;
  for (let i = 0; i < lines.length; i++) {
    if (i % LINES_PER_CHECK === 0) options.signal.throwIfAborted();
    for (const word of (lines[i] ?? "").toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []) {
      words++;
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  const topWords = [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, options.topWords)
    .map(([word, count]) => ({ word, count }));
  return {
    inputKey: options.inputKey,
    jobId: options.jobId,
    bytes: Buffer.byteLength(text),
    // A final newline ends the last line; it does not start another.
    lines: text === "" ? 0 : lines.length - (text.endsWith("\n") ? 1 : 0),
    words,
    sha256: createHash("sha256").update(text).digest("hex"),
    topWords,
    builtAt: (options.now ?? new Date()).toISOString(),
  };
}

/** One report per job id: a retried or redelivered job finds its report and stops. */
export const reportKey = (jobId: string): string => `reports/${jobId}.json`;
