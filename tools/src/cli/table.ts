/** Terminal width the tables are laid out for: the classic 80 columns. */
export const TABLE_WIDTH = 80;

export interface Column {
  readonly header: string;
  /** Right-aligned (numbers). @default false */
  readonly right?: boolean;
  /** Gives up width (truncated with "…") when the table is too wide. @default false */
  readonly shrink?: boolean;
  /** Narrowest the shrinking column may get. @default 8 */
  readonly min?: number;
}

/** Renders rows as aligned text no wider than `width`; shrinking columns are cut with an ellipsis. */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  width = TABLE_WIDTH,
): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? "").length)));
  const gap = 2;
  let total = widths.reduce((a, b) => a + b, 0) + gap * (columns.length - 1);
  for (let i = 0; i < columns.length && total > width; i++) {
    const column = columns[i];
    if (column?.shrink !== true) continue;
    const current = widths[i] ?? 0;
    // Never wider than it was: a column already narrower than its minimum stays as it is.
    const next = Math.min(current, Math.max(column.min ?? 8, current - (total - width)));
    widths[i] = next;
    total -= current - next;
  }
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => {
        const w = widths[i] ?? 0;
        const cell = truncate(cells[i] ?? "", w);
        return c.right === true ? cell.padStart(w) : cell.padEnd(w);
      })
      .join(" ".repeat(gap))
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** "42s", "17m", "3h", "2d": an age that fits a narrow column. */
export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

/** Words wrapped to `width`, at most `maxLines` lines; the last ends in "…" when text was left out. */
export function wrapText(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > 0 && lines.length < maxLines) {
    if (rest.length <= width) {
      lines.push(rest);
      rest = "";
      break;
    }
    const cut = rest.lastIndexOf(" ", width);
    const at = cut > width / 2 ? cut : width;
    lines.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  if (rest.length > 0 && lines.length > 0) {
    const last = lines.length - 1;
    lines[last] = `${(lines[last] ?? "").slice(0, width - 1)}…`;
  }
  return lines;
}
