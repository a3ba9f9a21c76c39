import { listSchedules } from "sqs-jobs/internal/schedule/schedule-listing";
import { wallClock } from "sqs-jobs/internal/schedule/wall-clock";
import { type Command, stringOption } from "../command.ts";
import { renderTable } from "../table.ts";

export const schedulesCommand: Command = {
  name: "schedules",
  summary: "EventBridge Scheduler schedules and their next three fire times",
  help: `Usage: sqs-jobs schedules [--group G] [--prefix P]

Lists EventBridge Scheduler schedules (every group unless --group names one)
with their expression, time zone, state and next three fire times, shown in
the schedule's time zone. A one-time at() schedule shows its one time; a
disabled schedule, or one whose times are past its end date, shows "-".
The times are computed here from the expression, the start and end dates.

Options:
  --group G    only the schedules of group G
  --prefix P   only the schedules whose name starts with P
  --json       every schedule whole, with its target and nextFireTimes (UTC)

Examples:
  sqs-jobs schedules
  sqs-jobs schedules --group reports --prefix nightly
  sqs-jobs schedules --endpoint http://127.0.0.1:4566 --json`,
  options: { group: { type: "string" }, prefix: { type: "string" } },
  args: { min: 0, max: 0 },
  async run(ctx, _positionals, values) {
    const client = await ctx.scheduler();
    const listed = await listSchedules(client, {
      group: stringOption(values, "group"),
      prefix: stringOption(values, "prefix"),
    });
    if (ctx.json) {
      ctx.out(JSON.stringify({ schedules: listed }, null, 2));
      return 0;
    }
    if (listed.length === 0) {
      ctx.out("no schedules");
      return 0;
    }
    // Each schedule takes one line per fire time: three times side by side do not fit 80 columns.
    const rows = listed.flatMap((s) => {
      const times = s.nextFireTimes.map((t) => compactTime(t, s.timezone));
      const [first = "-", ...rest] = times;
      return [
        [s.name, s.groupName, s.expression, s.timezone, s.state, first],
        ...rest.map((t) => ["", "", "", "", "", t]),
      ];
    });
    const lines = renderTable(COLUMNS, rows);
    for (const line of lines) ctx.out(line);
    if (lines.some((line) => line.includes("…")))
      ctx.out("(shortened to fit; --json prints every field whole)");
    return 0;
  },
};

// Names are never cut, so they can be copied into `schedules run`; the group, expression and
// zone give way instead (--json has them whole).
const COLUMNS = [
  { header: "NAME" },
  { header: "GROUP", shrink: true, min: 8 },
  { header: "EXPRESSION", shrink: true, min: 12 },
  { header: "TZ", shrink: true, min: 8 },
  { header: "STATE" },
  { header: "NEXT" },
] as const;

/**
 * "2098-01-05T09:30" in the schedule's zone (the TZ column names it), with seconds only when a
 * time has them: an at() or a rate from an odd start.
 */
function compactTime(time: Date, timezone: string): string {
  const t = wallClock(timezone)(time);
  return `${t.year}-${t.month}-${t.day}T${t.hour}:${t.minute}${t.second === "00" ? "" : `:${t.second}`}`;
}
