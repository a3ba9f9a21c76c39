// Small SVG line charts for a table cell: a few series over the last minutes, on a time axis
// that ends at the latest sample (so a young history is a short line at the right, as it is),
// drawn to one scale from zero, with gaps where a value is unknown. The numbers are in the label
// and the tooltip, so the chart is never the only way to read them.
import { html } from "htm/preact";

const WIDTH = 120;
const HEIGHT = 28;
const PAD = 2;

/** The time the charts span: the server keeps 15 minutes of history and of rates. */
const SPAN_MS = 15 * 60_000;

/**
 * @typedef {{ name: string, values: (number | null)[], tone: "main" | "bad" | "muted" }} Series
 */

/**
 * Draws `series` whose i-th values were taken at `times[i]` (ISO strings).
 * @param {{ times: string[], series: Series[], label: string, empty?: string }} props
 */
export function Sparkline({ times, series, label, empty = "no data yet" }) {
  const known = series.flatMap((s) => s.values.filter((v) => v !== null));
  if (known.length === 0) return html`<span class="muted">${empty}</span>`;
  const ms = times.map((t) => Date.parse(t));
  const end = Math.max(...ms);
  const max = Math.max(...known);
  /** @param {number} i @param {number} v */
  const at = (i, v) => {
    const x = WIDTH - PAD - ((end - (ms[i] ?? end)) / SPAN_MS) * (WIDTH - 2 * PAD);
    const y = HEIGHT - PAD - (max === 0 ? 0 : (v / max) * (HEIGHT - 2 * PAD));
    return `${Math.max(PAD, x).toFixed(1)},${y.toFixed(1)}`;
  };
  const summary = `${label}, max ${max}: ${series.map((s) => `${s.name} now ${s.values.findLast((v) => v !== null) ?? "unknown"}`).join(", ")}`;
  return html`<svg
    class="sparkline"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    width=${WIDTH}
    height=${HEIGHT}
    role="img"
    aria-label=${summary}
  >
    <title>${summary}</title>
    <line class="axis" x1=${PAD} y1=${HEIGHT - PAD} x2=${WIDTH - PAD} y2=${HEIGHT - PAD} />
    ${series.map((s) => [
      ...runs(s.values).map(
        (run) =>
          html`<polyline class=${`line ${s.tone}`} points=${run.map((i) => at(i, s.values[i] ?? 0)).join(" ")} fill="none" />`,
      ),
      lastDot(s, at),
    ])}
  </svg>`;
}

/**
 * The indexes of each run of known values, split where a value is null.
 * @param {(number | null)[]} values
 * @returns {number[][]}
 */
function runs(values) {
  /** @type {number[][]} */
  const all = [[]];
  values.forEach((v, i) => {
    if (v !== null) all[all.length - 1]?.push(i);
    else if (all[all.length - 1]?.length !== 0) all.push([]);
  });
  return all.filter((run) => run.length > 1);
}

/**
 * A dot on a series' latest value: "now" reads at a glance, and a single sample still shows.
 * @param {Series} s
 * @param {(i: number, v: number) => string} at
 */
function lastDot(s, at) {
  const i = s.values.findLastIndex((v) => v !== null);
  const v = s.values[i];
  if (v === null || v === undefined) return null;
  const [cx, cy] = at(i, v).split(",");
  return html`<circle class=${`dot ${s.tone}`} cx=${cx} cy=${cy} r="2" />`;
}
