import { describe, expect, it } from "vitest";
import { upcomingFireTimes } from "../../src/schedule/fire-times.ts";

const iso = (dates: Date[]): string[] => dates.map((d) => d.toISOString());

describe("upcomingFireTimes", () => {
  it("skips a cron's times before the start date", () => {
    const times = upcomingFireTimes(
      { expression: "cron(0 12 * * ? *)", startDate: new Date("2030-05-10T13:00:00Z") },
      new Date("2030-01-01T00:00:00Z"),
      2,
    );
    expect(iso(times)).toEqual(["2030-05-11T12:00:00.000Z", "2030-05-12T12:00:00.000Z"]);
  });

  it("counts a rate from the creation time without a start date, and stops before the end date", () => {
    const times = upcomingFireTimes(
      {
        expression: "rate(1 hour)",
        createdAt: new Date("2030-01-01T00:30:00Z"),
        endDate: new Date("2030-01-01T03:30:00Z"),
      },
      new Date("2030-01-01T01:00:00Z"),
      3,
    );
    expect(iso(times)).toEqual(["2030-01-01T01:30:00.000Z", "2030-01-01T02:30:00.000Z"]);
  });

  it("reads a cron in its time zone", () => {
    const times = upcomingFireTimes(
      { expression: "cron(0 9 ? * MON *)", timezone: "Europe/Paris" },
      new Date("2030-07-01T00:00:00Z"),
      1,
    );
    expect(iso(times)).toEqual(["2030-07-01T07:00:00.000Z"]);
  });
});
