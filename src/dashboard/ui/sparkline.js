// Small SVG line charts for a table cell: a few series over the same times, drawn to the same
// scale from zero, gaps where a value is unknown. The numbers are in the label and the tooltip,
// so the chart is never the only way to read them.
import { html } from "htm/preact";

const WIDTH = 120;
const HEIGHT = 28;
const PAD = 2;

/**
 * @typedef {{ name: string, values: (number | null)[], tone: "main" | "bad" | "muted" }} Series
 */

/**
 * Where the i-th of `count` values is drawn, in the chart's coordinates.
 * @param {number} i
 * @param {number} v
 * @param {number} count
 * @param {number} max
 * @returns {[string, string]}
 */
function point(i, v, count, max) {
  const step = count > 1 ? (WIDTH - 2 * PAD) / (count - 1) : 0;
  const y = HEIGHT - PAD - (max === 0 ? 0 : (v / max) * (HEIGHT - 2 * PAD));
  return [(PAD + i * step).toFixed(1), y.toFixed(1)];
}

/**
 * Polyline `points` runs of one series, split where values are null.
 * @param {(number | null)[]} values
 * @param {number} max
 * @returns {string[]}
 */
function polylines(values, max) {
  /** @type {string[]} */
  const runs = [];
  let run = "";
  values.forEach((v, i) => {
    if (v === null) {
      if (run !== "") runs.push(run);
      run = "";
      return;
    }
    const [x, y] = point(i, v, values.length, max);
    run += `${x},${y} `;
  });
  if (run !== "") runs.push(run);
  return runs.map((r) => r.trim());
}

/**
 * A dot on a series' latest value: "now" reads at a glance, and a single sample still shows.
 * @param {Series} s
 * @param {number} max
 */
function lastDot(s, max) {
  const i = s.values.findLastIndex((v) => v !== null);
  const v = s.values[i];
  if (v === null || v === undefined) return null;
  const [x, y] = point(i, v, s.values.length, max);
  return html`<circle class=${`dot ${s.tone}`} cx=${x} cy=${y} r="2" />`;
}

/**
 * @param {{ series: Series[], label: string, empty?: string }} props
 */
export function Sparkline({ series, label, empty = "no data yet" }) {
  const known = series.flatMap((s) => s.values.filter((v) => v !== null));
  if (known.length === 0) return html`<span class="muted">${empty}</span>`;
  const max = Math.max(...known);
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
    ${series.map((s) => lastDot(s, max))}
    ${series.map((s) =>
      polylines(s.values, max).map(
        (points) => html`<polyline class=${`line ${s.tone}`} points=${points} fill="none" />`,
      ),
    )}
  </svg>`;
}
