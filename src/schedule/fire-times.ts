import { parseScheduleExpression } from "./expression.ts";

/** The fields of a schedule (as GetSchedule returns them) that decide when it fires. */
export interface ScheduleTiming {
  readonly expression: string;
  /** @default "UTC" */
  readonly timezone?: string | undefined;
  /** A rate counts from here, and nothing fires before it. */
  readonly startDate?: Date | undefined;
  /** Nothing fires at or after it. */
  readonly endDate?: Date | undefined;
  /** A rate without a start date counts from the schedule's creation. */
  readonly createdAt?: Date | undefined;
}

/**
 * A schedule's next `count` fire times strictly after `after`, within its start and end dates.
 *
 * @throws {ConfigError} the expression or time zone is not one Scheduler accepts
 * @example
 * upcomingFireTimes({ expression: "rate(1 hour)", createdAt }, new Date(), 3)
 */
export function upcomingFireTimes(timing: ScheduleTiming, after: Date, count: number): Date[] {
  const parsed = parseScheduleExpression(timing.expression, { timezone: timing.timezone ?? "UTC" });
  const { startDate, endDate } = timing;
  // A cron or at() expression ignores the start: times before it are skipped by asking from it.
  const from = startDate !== undefined && startDate > after ? new Date(startDate.getTime() - 1) : after;
  return parsed
    .nextFireTimes(from, count, startDate ?? timing.createdAt)
    .filter((time) => endDate === undefined || time < endDate);
}
