import { Cron } from "croner";
import { ConfigError } from "../core/errors.ts";
import { wallClock } from "./wall-clock.ts";

/**
 * EventBridge Scheduler's schedule expressions: `at(yyyy-mm-ddThh:mm:ss)`, `rate(N unit)` and
 * `cron(min hour day-of-month month day-of-week year)`, each read in an IANA time zone. croner
 * does the calendar arithmetic; this file maps AWS's syntax onto it and keeps AWS's rules that
 * croner does not have (one of the day fields must be `?`, day-of-week 1-7 = SUN-SAT, years
 * 1970-2199, the DST rules below).
 */

export type ScheduleKind = "at" | "rate" | "cron";

/** A parsed expression: what it is, and when it fires. */
export interface ParsedSchedule {
  readonly expression: string;
  readonly kind: ScheduleKind;
  /** The IANA time zone the expression is read in. */
  readonly timezone: string;
  /**
   * The next `count` fire times strictly after `after`. A rate counts from `start` (a schedule's
   * StartDate, else its creation time); without one it counts from `after`.
   */
  nextFireTimes(after: Date, count: number, start?: Date): Date[];
}

const MIN_YEAR = 1970;
/** The last year a cron or at() expression can name, as Scheduler's cron years go. */
export const MAX_YEAR = 2199;
const RATE_UNITS: Readonly<Record<string, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/**
 * Reads an EventBridge Scheduler expression in a time zone (default UTC).
 *
 * @throws {ConfigError} the expression or the time zone is not one Scheduler accepts; the message
 *   names every problem found
 * @example
 * parseScheduleExpression("cron(0 9 ? * MON-FRI *)", { timezone: "Europe/Paris" }).nextFireTimes(new Date(), 3);
 */
export function parseScheduleExpression(
  expression: string,
  options: { readonly timezone?: string } = {},
): ParsedSchedule {
  const timezone = options.timezone ?? "UTC";
  checkTimezone(timezone);
  const text = expression.trim();
  const match = /^(at|rate|cron)\((.*)\)$/s.exec(text);
  if (match === null) {
    throw new ConfigError(
      `schedule expression "${text.slice(0, 100)}" must be at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year)`,
    );
  }
  const kind = match[1] as ScheduleKind;
  const body = (match[2] ?? "").trim();
  if (kind === "at") return parseAt(text, body, timezone);
  if (kind === "rate") return parseRate(text, body, timezone);
  return parseCron(text, body, timezone);
}

/**
 * The `at()` expression for an instant, in UTC, to the second (Scheduler fires within the minute).
 * @example atExpression(new Date("2030-01-02T03:04:05.678Z")) // "at(2030-01-02T03:04:05)"
 */
export function atExpression(instant: Date): string {
  return `at(${instant.toISOString().slice(0, 19)})`;
}

function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new ConfigError(
      `time zone "${timezone.slice(0, 100)}" is not an IANA time zone name such as "UTC" or "Europe/Paris"`,
    );
  }
}

function parseAt(expression: string, body: string, timezone: string): ParsedSchedule {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  const year = Number(m?.[1]);
  const valid =
    m !== null &&
    year >= MIN_YEAR &&
    year <= MAX_YEAR &&
    !Number.isNaN(Date.parse(`${body}Z`)) &&
    new Date(`${body}Z`).toISOString().slice(0, 19) === body;
  if (!valid) {
    throw new ConfigError(
      `"${expression.slice(0, 100)}" is not a valid at() expression: it needs a real date and time between ${MIN_YEAR} and ${MAX_YEAR}, written yyyy-mm-ddThh:mm:ss (no zone suffix; the zone is ScheduleExpressionTimezone)`,
    );
  }
  // croner reads an ISO local time in the zone; from the epoch it answers that very instant.
  const instant = new Cron(body, { timezone, paused: true }).nextRun(new Date(0));
  if (instant === null) throw new ConfigError(`"${expression}" names no instant in ${timezone}`);
  return {
    expression,
    kind: "at",
    timezone,
    nextFireTimes: (after, count) => (count > 0 && instant > after ? [new Date(instant)] : []),
  };
}

function parseRate(expression: string, body: string, timezone: string): ParsedSchedule {
  const m = /^(\d+)\s+(minute|minutes|hour|hours|day|days)$/.exec(body);
  const value = Number(m?.[1]);
  const unit = m?.[2] ?? "";
  // Scheduler wants the singular exactly for 1: rate(1 hour), rate(2 hours).
  const plural = unit.endsWith("s");
  if (m === null || !Number.isSafeInteger(value) || value < 1 || plural === (value === 1)) {
    throw new ConfigError(
      `"${expression.slice(0, 100)}" is not a valid rate() expression: write rate(value unit) with a positive whole value and a unit of minute(s), hour(s) or day(s), singular for 1 (rate(1 hour), rate(5 minutes))`,
    );
  }
  // A day is 24 hours here, as on Scheduler: a rate does not follow DST.
  const period = value * (RATE_UNITS[unit.replace(/s$/, "")] as number);
  return {
    expression,
    kind: "rate",
    timezone,
    nextFireTimes(after, count, start = after) {
      const times: Date[] = [];
      const from = after.getTime();
      let k = start.getTime() > from ? 0 : Math.floor((from - start.getTime()) / period) + 1;
      while (times.length < count) times.push(new Date(start.getTime() + k++ * period));
      return times;
    },
  };
}

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** The first name's value: months are 1-based, days of the week 1 = SUN. */
  readonly nameBase?: number;
  /** Which of `?`, `L`, `W`, `#` the field takes. */
  readonly special: string;
}

const FIELDS: readonly FieldRule[] = [
  { name: "minutes", min: 0, max: 59, special: "" },
  { name: "hours", min: 0, max: 23, special: "" },
  { name: "day-of-month", min: 1, max: 31, special: "?LW" },
  { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1, special: "" },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, nameBase: 1, special: "?L#" },
  { name: "year", min: MIN_YEAR, max: MAX_YEAR, special: "" },
];

function parseCron(expression: string, body: string, timezone: string): ParsedSchedule {
  const fields = body.split(/\s+/);
  const problems: string[] = [];
  if (fields.length !== 6) {
    problems.push(
      `it has ${fields.length} fields, but a Scheduler cron() has six: minutes hours day-of-month month day-of-week year`,
    );
  } else {
    FIELDS.forEach((rule, i) => {
      const problem = fieldProblem(fields[i] as string, rule);
      if (problem !== undefined) problems.push(problem);
    });
    const [, , dom, , dow] = fields;
    if ((dom === "?") === (dow === "?")) {
      problems.push(
        "exactly one of day-of-month and day-of-week must be ?: give a value or * in one and ? in the other",
      );
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `"${expression.slice(0, 200)}" is not a valid cron() expression:\n  - ${problems.join("\n  - ")}`,
    );
  }
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  // Seconds first for croner; AND of the day fields is right since one of them is ? (= *).
  const steps = [minutes, hours, dom, month, dow, year].map((field, i) =>
    openSteps(field, FIELDS[i] as FieldRule),
  ) as [string, string, string, string, string, string];
  const pattern = [
    "0",
    steps[0],
    steps[1],
    dom === "?" ? "*" : steps[2],
    steps[3],
    dow === "?" ? "*" : croneDayOfWeek(steps[4]),
    steps[5],
  ].join(" ");
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone, alternativeWeekdays: true, domAndDow: true, paused: true });
  } catch (cause) {
    throw new ConfigError(
      `"${expression.slice(0, 200)}" is not a valid cron() expression: ${String(cause)}`,
      {
        cause,
      },
    );
  }
  const clock = wallClock(timezone);
  // The minute on the zone's wall clock, as text that sorts as time does.
  const wallMinute = (time: Date): string => {
    const t = clock(time);
    return `${t.year}-${t.month}-${t.day}T${t.hour}:${t.minute}`;
  };
  return {
    expression,
    kind: "cron",
    timezone,
    nextFireTimes(after, count) {
      // Scheduler's DST rules: a time the spring change skips does not fire (croner would fire it
      // just after the gap), and a time the autumn change repeats fires once (croner fires interval
      // patterns in both passes).
      const times: Date[] = [];
      let cursor = after;
      let lastLocal = wallMinute(after);
      while (times.length < count) {
        const next = cron.nextRun(cursor);
        if (next === null) break;
        cursor = next;
        const local = wallMinute(next);
        if (local <= lastLocal) continue;
        if (!cron.match(next)) continue;
        lastLocal = local;
        times.push(next);
      }
      return times;
    },
  };
}

/** AWS's `0/15` (from 0, every 15) is croner's `0-59/15`: croner wants a range before a step. */
function openSteps(field: string, rule: FieldRule): string {
  return field
    .split(",")
    .map((item) => item.replace(/^(\w+)\/(\d+)$/, `$1-${rule.max}/$2`))
    .join(",");
}

/** AWS writes "last Friday" as 6L and "last day of the week" as L; croner as 6#L and 7. */
function croneDayOfWeek(field: string): string {
  return field
    .split(",")
    .map((item) => (item === "L" ? "7" : item.replace(/^([0-9A-Za-z]+)L$/, "$1#L")))
    .join(",");
}

function fieldProblem(field: string, rule: FieldRule): string | undefined {
  const bad = (why: string): string => `${rule.name} "${field.slice(0, 50)}" ${why}`;
  if (field === "?") return rule.special.includes("?") ? undefined : bad("cannot be ?");
  for (const item of field.split(",")) {
    if (item === "*") continue;
    if (item === "L" || item === "LW") {
      if (!rule.special.includes("L") || (item === "LW" && !rule.special.includes("W")))
        return bad(`cannot use ${item}`);
      continue;
    }
    const special = /^(\w+)(W|L|#([1-5]))$/.exec(item);
    if (special !== null) {
      const kind = special[2]?.startsWith("#") ? "#" : (special[2] as string);
      if (!rule.special.includes(kind)) return bad(`cannot use ${kind}`);
      const value = fieldValue(special[1] as string, rule);
      if (value === undefined) return bad(`has "${special[1]}", outside ${rule.min}-${rule.max}`);
      continue;
    }
    const step = /^([^/]+)\/(\d+)$/.exec(item);
    const range = step === null ? item : (step[1] as string);
    if (step !== null && Number(step[2]) < 1) return bad("has a step below 1");
    if (range === "*") continue;
    const bounds = range.split("-");
    if (bounds.length > 2) return bad(`has "${item}", which is not a value, range or step`);
    for (const bound of bounds) {
      if (fieldValue(bound, rule) === undefined) {
        return bad(
          `has "${bound}", not a value in ${rule.min}-${rule.max}${rule.names === undefined ? "" : ` or ${rule.names[0]}-${rule.names[rule.names.length - 1]}`}`,
        );
      }
    }
  }
  return undefined;
}

function fieldValue(text: string, rule: FieldRule): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= rule.min && n <= rule.max ? n : undefined;
  }
  const index = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  return index < 0 ? undefined : index + (rule.nameBase ?? 0);
}
