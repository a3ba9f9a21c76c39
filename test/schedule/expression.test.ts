import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/index.ts";
import { atExpression, parseScheduleExpression } from "../../src/schedule/expression.ts";

function next(expression: string, after: string, count: number, timezone?: string): string[] {
  return parseScheduleExpression(expression, timezone === undefined ? {} : { timezone })
    .nextFireTimes(new Date(after), count)
    .map((d) => d.toISOString().replace(":00.000Z", "Z"));
}

// 2026-03-02 is a Monday. Examples from the Scheduler User Guide ("Schedule types", cron-based),
// then AWS's wildcards L, W, # and the year field.
const AWS_EXAMPLES: readonly [string, string, string, number, string[]][] = [
  [
    "10:00 every day",
    "cron(0 10 * * ? *)",
    "2026-03-02T00:00:00Z",
    2,
    ["2026-03-02T10:00Z", "2026-03-03T10:00Z"],
  ],
  [
    "12:15 every day",
    "cron(15 12 * * ? *)",
    "2026-03-02T00:00:00Z",
    2,
    ["2026-03-02T12:15Z", "2026-03-03T12:15Z"],
  ],
  [
    "18:00 Monday to Friday",
    "cron(0 18 ? * MON-FRI *)",
    "2026-03-05T00:00:00Z",
    3,
    ["2026-03-05T18:00Z", "2026-03-06T18:00Z", "2026-03-09T18:00Z"],
  ],
  [
    "8:00 on the 1st",
    "cron(0 8 1 * ? *)",
    "2026-03-02T00:00:00Z",
    2,
    ["2026-04-01T08:00Z", "2026-05-01T08:00Z"],
  ],
  [
    "every 15 minutes",
    "cron(0/15 * * * ? *)",
    "2026-03-02T00:00:00Z",
    3,
    ["2026-03-02T00:15Z", "2026-03-02T00:30Z", "2026-03-02T00:45Z"],
  ],
  [
    "every 10 minutes Monday to Friday",
    "cron(0/10 * ? * MON-FRI *)",
    "2026-03-06T23:40:00Z",
    3,
    ["2026-03-06T23:50Z", "2026-03-09T00:00Z", "2026-03-09T00:10Z"],
  ],
  [
    "every 5 minutes 8:00-17:55 Monday to Friday",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "2026-03-06T17:50:00Z",
    3,
    ["2026-03-06T17:55Z", "2026-03-09T08:00Z", "2026-03-09T08:05Z"],
  ],
  [
    "9:00 on the first Monday (2#1)",
    "cron(0 9 ? * 2#1 *)",
    "2026-03-02T00:00:00Z",
    3,
    ["2026-03-02T09:00Z", "2026-04-06T09:00Z", "2026-05-04T09:00Z"],
  ],
  [
    "second Tuesday (3#2)",
    "cron(0 9 ? * 3#2 *)",
    "2026-03-02T00:00:00Z",
    2,
    ["2026-03-10T09:00Z", "2026-04-14T09:00Z"],
  ],
  [
    "last day of the month (L)",
    "cron(0 9 L * ? *)",
    "2026-03-02T00:00:00Z",
    2,
    ["2026-03-31T09:00Z", "2026-04-30T09:00Z"],
  ],
  [
    "last Friday (6L)",
    "cron(0 9 ? * 6L *)",
    "2026-03-02T00:00:00Z",
    2,
    ["2026-03-27T09:00Z", "2026-04-24T09:00Z"],
  ],
  [
    "weekday nearest the 15th (15W; 2026-03-15 is a Sunday)",
    "cron(0 9 15W * ? *)",
    "2026-03-02T00:00:00Z",
    2,
    ["2026-03-16T09:00Z", "2026-04-15T09:00Z"],
  ],
  [
    "Saturdays of 2027 only",
    "cron(0 12 ? * SAT 2027)",
    "2026-03-02T00:00:00Z",
    2,
    ["2027-01-02T12:00Z", "2027-01-09T12:00Z"],
  ],
  [
    "lists and a year range",
    "cron(30 8 1 1,7 ? 2027-2028)",
    "2026-03-02T00:00:00Z",
    4,
    ["2027-01-01T08:30Z", "2027-07-01T08:30Z", "2028-01-01T08:30Z", "2028-07-01T08:30Z"],
  ],
  ["no fire time left", "cron(0 0 1 1 ? 2026)", "2026-03-02T00:00:00Z", 2, []],
];

describe("cron(): AWS's documented examples", () => {
  it.each(AWS_EXAMPLES)("%s: %s", (_what, expression, after, count, expected) => {
    expect(next(expression, after, count)).toEqual(expected);
  });
});

describe("time zones and DST (America/New_York: spring forward 2026-03-08, fall back 2026-11-01)", () => {
  it("keeps 9:00 local across the spring change", () => {
    expect(next("cron(0 9 * * ? *)", "2026-03-07T00:00:00Z", 3, "America/New_York")).toEqual([
      "2026-03-07T14:00Z",
      "2026-03-08T13:00Z",
      "2026-03-09T13:00Z",
    ]);
  });

  it("skips a time the spring change removes, as Scheduler does", () => {
    expect(next("cron(30 2 * * ? *)", "2026-03-07T00:00:00Z", 3, "America/New_York")).toEqual([
      "2026-03-07T07:30Z",
      "2026-03-09T06:30Z",
      "2026-03-10T06:30Z",
    ]);
  });

  it("fires a time the autumn change repeats once, fixed or interval", () => {
    expect(next("cron(30 1 * * ? *)", "2026-10-31T00:00:00Z", 3, "America/New_York")).toEqual([
      "2026-10-31T05:30Z",
      "2026-11-01T05:30Z",
      "2026-11-02T06:30Z",
    ]);
    expect(next("cron(0/30 1 * * ? *)", "2026-11-01T04:00:00Z", 3, "America/New_York")).toEqual([
      "2026-11-01T05:00Z",
      "2026-11-01T05:30Z",
      "2026-11-02T06:00Z",
    ]);
  });

  it("reads at() in its zone, and writes at() in UTC to the second", () => {
    expect(next("at(2026-07-01T09:00:00)", "2026-01-01T00:00:00Z", 3, "Europe/Paris")).toEqual([
      "2026-07-01T07:00Z",
    ]);
    expect(next("at(2026-07-01T09:00:00)", "2026-07-01T07:00:00Z", 1, "Europe/Paris")).toEqual([]);
    expect(atExpression(new Date("2030-01-02T03:04:05.678Z"))).toBe("at(2030-01-02T03:04:05)");
  });

  it("counts a rate from its start, a day being 24 hours even across DST", () => {
    const every5 = parseScheduleExpression("rate(5 minutes)");
    expect(
      every5
        .nextFireTimes(new Date("2026-03-02T00:07:00Z"), 2, new Date("2026-03-02T00:00:00Z"))
        .map((d) => d.toISOString()),
    ).toEqual(["2026-03-02T00:10:00.000Z", "2026-03-02T00:15:00.000Z"]);
    const daily = parseScheduleExpression("rate(1 day)", { timezone: "America/New_York" });
    expect(
      daily
        .nextFireTimes(new Date("2026-03-07T12:00:00Z"), 2, new Date("2026-03-07T14:00:00Z"))
        .map((d) => d.toISOString()),
    ).toEqual(["2026-03-07T14:00:00.000Z", "2026-03-08T14:00:00.000Z"]);
  });
});

describe("refusals", () => {
  it.each([
    ["cron(0 10 * * * *)", /exactly one of day-of-month and day-of-week must be \?/],
    ["cron(0 10 ? * ? *)", /exactly one of day-of-month and day-of-week/],
    ["cron(0 10 * * ?)", /5 fields, but a Scheduler cron\(\) has six/],
    ["cron(60 10 * * ? *)", /minutes "60" has "60", not a value in 0-59/],
    ["cron(0 10 ? * 0 *)", /day-of-week "0" has "0", not a value in 1-7 or SUN-SAT/],
    ["cron(0 10 ? * MON#6 *)", /day-of-week "MON#6"/],
    ["cron(0 10 15W * ? 1969)", /year "1969"/],
    ["cron(0 10 ? * 2W *)", /day-of-week "2W" cannot use W/],
    ["rate(1 minutes)", /singular for 1/],
    ["rate(5 minute)", /singular for 1/],
    ["rate(0 minutes)", /positive whole value/],
    ["rate(5 weeks)", /minute\(s\), hour\(s\) or day\(s\)/],
    ["at(2026-02-30T00:00:00)", /real date and time/],
    ["at(2026-01-01 00:00:00)", /yyyy-mm-ddThh:mm:ss/],
    ["every(5 minutes)", /must be at\(yyyy-mm-ddThh:mm:ss\), rate\(value unit\) or cron\(/],
  ])("%s", (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(ConfigError);
    expect(() => parseScheduleExpression(expression)).toThrow(message);
  });

  it("reports every bad cron field at once", () => {
    expect(() => parseScheduleExpression("cron(61 25 ? * 9 *)")).toThrow(
      /minutes[\s\S]*hours[\s\S]*day-of-week/,
    );
  });

  it("refuses a time zone that is not an IANA name", () => {
    expect(() => parseScheduleExpression("rate(1 hour)", { timezone: "Mars/Olympus" })).toThrow(
      /"Mars\/Olympus" is not an IANA time zone/,
    );
  });
});
