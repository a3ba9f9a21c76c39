import type { GetScheduleCommandOutput, SchedulerClient, ScheduleSummary } from "@aws-sdk/client-scheduler";
import { mapLimit } from "../core/map-limit.ts";
import { upcomingFireTimes } from "./fire-times.ts";
import { loadSchedulerSdk } from "./one-time.ts";

/** GetSchedule calls in flight at once: Scheduler allows 50 a second by default, shared with the account. */
const CONCURRENCY = 8;
const NEXT_COUNT = 3;

/** A schedule as `sqs-jobs schedules --json` and the dashboard show it. */
export interface ListedSchedule {
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
  /** The name of the job the schedule sends: the `job` of the envelope in its target's input, when it has one. */
  readonly jobName: string | undefined;
  /** The next three fire times (none when disabled or past its end date), computed here. */
  readonly nextFireTimes: Date[];
}

/**
 * Every EventBridge Scheduler schedule (of one group, with a name prefix, when given), each read
 * whole with GetSchedule, with its next fire times. One gone between the list and its read is
 * left out.
 *
 * @example
 * for (const s of await listSchedules(client, { group: "reports" })) console.log(s.name, s.nextFireTimes[0]);
 */
export async function listSchedules(
  client: SchedulerClient,
  options: { readonly group?: string | undefined; readonly prefix?: string | undefined } = {},
): Promise<ListedSchedule[]> {
  const summaries = await listAll(client, options.group, options.prefix);
  const now = new Date();
  const described = await mapLimit(summaries, CONCURRENCY, async (summary) => {
    const s = await describe(client, summary);
    return s === undefined ? undefined : { ...s, nextFireTimes: nextTimes(s, now) };
  });
  return described.filter((s) => s !== undefined);
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

/**
 * The schedule read whole, or undefined when it is gone since it was listed: a one-time
 * schedule with ActionAfterCompletion DELETE deletes itself when it fires, which may be at any
 * moment between List and Get (and someone may delete one meanwhile).
 */
async function describe(
  client: SchedulerClient,
  summary: ScheduleSummary,
): Promise<Omit<ListedSchedule, "nextFireTimes"> | undefined> {
  const sdk = await loadSchedulerSdk();
  let got: GetScheduleCommandOutput;
  try {
    got = await client.send(new sdk.GetScheduleCommand({ Name: summary.Name, GroupName: summary.GroupName }));
  } catch (error) {
    if (error instanceof sdk.ResourceNotFoundException) return undefined;
    throw error;
  }
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
    jobName: jobOf(got.Target?.Input),
  };
}

function nextTimes(s: Omit<ListedSchedule, "nextFireTimes">, now: Date): Date[] {
  if (s.state !== "ENABLED") return [];
  return upcomingFireTimes(s, now, NEXT_COUNT);
}

/** The job name in a target input that is an sqs-jobs envelope; the input itself is never shown. */
function jobOf(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(input);
    if (typeof parsed !== "object" || parsed === null || !("job" in parsed)) return undefined;
    return typeof parsed.job === "string" ? parsed.job : undefined;
  } catch {
    return undefined;
  }
}
