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
 * Polyline `points` runs of one series, split where values are null.
 * @param {(number | null)[]} values
 * @param {number} max
 * @returns {string[]}
 */
export function polylines(values, max) {
  const step = values.length > 1 ? (WIDTH - 2 * PAD) / (values.length - 1) : 0;
  const y = (/** @type {number} */ v) => HEIGHT - PAD - (max === 0 ? 0 : (v / max) * (HEIGHT - 2 * PAD));
  /** @type {string[]} */
  const runs = [];
  let run = "";
  values.forEach((v, i) => {
    if (v === null) {
      if (run !== "") runs.push(run);
      run = "";
      return;
    }
    run += `${(PAD + i * step).toFixed(1)},${y(v).toFixed(1)} `;
  });
  if (run !== "") runs.push(run);
  return runs.map((r) => r.trim());
}

/** @param {(number | null)[]} values */
function last(values) {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

/**
 * @param {{ series: Series[], label: string, empty?: string }} props
 */
export function Sparkline({ series, label, empty = "no data yet" }) {
  const known = series.flatMap((s) => s.values.filter((v) => v !== null));
  if (known.length === 0) return html`<span class="muted">${empty}</span>`;
  const max = Math.max(...known);
  const summary = `${label}, max ${max}: ${series.map((s) => `${s.name} now ${last(s.values) ?? "unknown"}`).join(", ")}`;
  return html`<svg
    class="sparkline"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    width=${WIDTH}
    height=${HEIGHT}
    role="img"
    aria-label=${summary}
  >
    <title>${summary}</title>
    ${series.map((s) =>
      polylines(s.values, max).map(
        (points) => html`<polyline class=${`line ${s.tone}`} points=${points} fill="none" />`,
      ),
    )}
  </svg>`;
}
