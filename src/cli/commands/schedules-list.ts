import type { GetScheduleCommandOutput, SchedulerClient, ScheduleSummary } from "@aws-sdk/client-scheduler";
import { mapLimit } from "../../core/map-limit.ts";
import { upcomingFireTimes } from "../../schedule/fire-times.ts";
import { loadSchedulerSdk } from "../../schedule/one-time.ts";
import { type Command, stringOption } from "../command.ts";
import { renderTable } from "../table.ts";

/** GetSchedule calls in flight at once: Scheduler allows 50 a second by default, shared with the account. */
const CONCURRENCY = 8;
const NEXT_COUNT = 3;

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
    const summaries = await listAll(client, stringOption(values, "group"), stringOption(values, "prefix"));
    const schedules = await mapLimit(summaries, CONCURRENCY, (s) => describe(client, s));
    const now = new Date();
    const listed = schedules.map((s) => ({ ...s, nextFireTimes: nextTimes(s, now) }));
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

/** A schedule as `schedules --json` prints it. */
interface ListedSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string | undefined;
  readonly expression: string;
  readonly timezone: string;
  readonly state: string;
  readonly startDate: Date | undefined;
  readonly endDate: Date | undefined;
  readonly createdAt: Date | undefined;
  readonly target: { readonly arn: string | undefined; readonly messageGroupId: string | undefined };
}

async function listAll(
  client: SchedulerClient,
  group: string | undefined,
  prefix: string | undefined,
): Promise<ScheduleSummary[]> {
  const sdk = await loadSchedulerSdk();
  const all: ScheduleSummary[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new sdk.ListSchedulesCommand({
        ...(group === undefined ? {} : { GroupName: group }),
        ...(prefix === undefined ? {} : { NamePrefix: prefix }),
        ...(token === undefined ? {} : { NextToken: token }),
        MaxResults: 100,
      }),
    );
    all.push(...(page.Schedules ?? []));
    token = page.NextToken;
  } while (token !== undefined && token !== "");
  return all;
}

async function describe(client: SchedulerClient, summary: ScheduleSummary): Promise<ListedSchedule> {
  const sdk = await loadSchedulerSdk();
  const got: GetScheduleCommandOutput = await client.send(
    new sdk.GetScheduleCommand({ Name: summary.Name, GroupName: summary.GroupName }),
  );
  return {
    name: got.Name ?? summary.Name ?? "",
    groupName: got.GroupName ?? summary.GroupName ?? "default",
    arn: got.Arn,
    expression: got.ScheduleExpression ?? "",
    timezone: got.ScheduleExpressionTimezone ?? "UTC",
    state: got.State ?? summary.State ?? "",
    startDate: got.StartDate,
    endDate: got.EndDate,
    createdAt: got.CreationDate,
    target: { arn: got.Target?.Arn, messageGroupId: got.Target?.SqsParameters?.MessageGroupId },
  };
}

function nextTimes(s: ListedSchedule, now: Date): Date[] {
  if (s.state !== "ENABLED") return [];
  return upcomingFireTimes(s, now, NEXT_COUNT);
}

/**
 * "2098-01-05T09:30" in the schedule's zone (the TZ column names it), with seconds only when a
 * time has them: an at() or a rate from an odd start.
 */
function compactTime(time: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(time);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? "";
  const seconds = part("second");
  return `${part("year")}-${part("month")}-${part("day")}T${part("hour")}:${part("minute")}${seconds === "00" ? "" : `:${seconds}`}`;
}
