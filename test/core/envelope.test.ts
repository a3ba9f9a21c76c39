import { describe, expect, it } from "vitest";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { encodeEnvelopeJson } from "../../src/core/envelope-text.ts";
import { EnvelopeError } from "../../src/index.ts";

const good = {
  sqsJobs: 1,
  job: "resize-image",
  id: "0193",
  enqueuedAt: "2026-11-23T13:30:00.000Z",
  payload: { a: 1 },
};

describe("decodeEnvelope", () => {
  it("decodes a valid envelope", () => {
    expect(decodeEnvelope(JSON.stringify(good))).toEqual(good);
  });

  it("reads a body as JobClient writes it and any other form of the same envelope alike", () => {
    const written = encodeEnvelopeJson("send-email", "0193abcd", "2026-11-23T13:30:00.000Z", "[1]");
    expect(decodeEnvelope(written)).toEqual({
      sqsJobs: 1,
      job: "send-email",
      id: "0193abcd",
      enqueuedAt: "2026-11-23T13:30:00.000Z",
      payload: [1],
    });
    for (const body of [
      ` ${written}`,
      `${written}\n`,
      written.replace('"job":"send-email"', '"job":"send\\u002demail"'),
    ]) {
      expect(decodeEnvelope(body)).toEqual(decodeEnvelope(written));
    }
  });

  it("accepts an envelope without id and enqueuedAt (fixed scheduler inputs, hand-written messages)", () => {
    expect(decodeEnvelope('{"sqsJobs":1,"job":"x","payload":null}')).toEqual({
      sqsJobs: 1,
      job: "x",
      payload: null,
    });
  });

  it("reads a periodic schedule's input once EventBridge Scheduler has filled in its context attributes", () => {
    // Given the input JobQueue.schedule writes, with Scheduler's placeholders for the id and time
    const input = encodeEnvelopeJson(
      "build-report",
      "<aws.scheduler.execution-id>",
      "<aws.scheduler.scheduled-time>",
      '{"inputKey":"inputs/sample.txt"}',
      { schedule: { name: "NightlyReport", overlap: "skip" } },
    );
    // When Scheduler substitutes them as its documentation shows (an id like d32c5kddcf5bb8c3, a
    // time in whole seconds with Z)
    const body = input
      .replace("<aws.scheduler.execution-id>", "d32c5kddcf5bb8c3")
      .replace("<aws.scheduler.scheduled-time>", "2026-12-01T02:00:00Z");
    // Then the consumer reads a job with that id, that time and the schedule it came from
    expect(decodeEnvelope(body)).toEqual({
      sqsJobs: 1,
      job: "build-report",
      id: "d32c5kddcf5bb8c3",
      enqueuedAt: "2026-12-01T02:00:00Z",
      schedule: { name: "NightlyReport", overlap: "skip" },
      payload: { inputKey: "inputs/sample.txt" },
    });
  });

  it.each([
    ["not an object", "skip", /"schedule" must be an object/],
    ["without a name", { overlap: "skip" }, /"schedule.name" must be a non-empty string/],
    ["with an empty name", { name: "", overlap: "allow" }, /"schedule.name"/],
    [
      "with an unknown policy",
      { name: "n", overlap: "queue" },
      /"schedule.overlap" must be "skip" or "allow"/,
    ],
    ["without a policy", { name: "n" }, /"schedule.overlap"/],
    ["with an unknown field", { name: "n", overlap: "skip", every: 5 }, /unknown field "schedule.every"/],
  ])("refuses a schedule field %s", (_, schedule, message) => {
    const body = JSON.stringify({ sqsJobs: 1, job: "x", schedule, payload: 1 });
    expect(() => decodeEnvelope(body)).toThrow(message);
  });

  it.each([
    ["not an object", "p", /"flow" must be an object/],
    ["without a parent", { rootId: "r" }, /"flow.parentId" must be a non-empty string/],
    ["with an empty root", { parentId: "p", rootId: "" }, /"flow.rootId"/],
    ["with a negative index", { parentId: "p", rootId: "r", flowId: "f", index: -1 }, /"flow.index"/],
    ["with a flow id but no index", { parentId: "p", rootId: "r", flowId: "f" }, /go together/],
    ["with an unknown field", { parentId: "p", rootId: "r", depth: 2 }, /unknown field "flow.depth"/],
  ])("refuses a flow field %s", (_, flow, message) => {
    const body = JSON.stringify({ sqsJobs: 1, job: "x", flow, payload: 1 });
    expect(() => decodeEnvelope(body)).toThrow(message);
  });

  it("reads back the flow field a child and a continuation carry", () => {
    for (const flow of [
      { parentId: "p", rootId: "r", flowId: "f", index: 3 },
      { parentId: "p", rootId: "r", thenOf: "f" },
    ]) {
      const body = encodeEnvelopeJson("x", "1", "2026-12-01T02:00:00Z", "1", { flow });
      expect(decodeEnvelope(body).flow).toEqual(flow);
    }
  });

  it("accepts both overlap policies", () => {
    for (const overlap of ["skip", "allow"] as const) {
      const body = encodeEnvelopeJson("x", "1", "2026-12-01T02:00:00Z", "1", {
        schedule: { name: "n", overlap },
      });
      expect(decodeEnvelope(body).schedule).toEqual({ name: "n", overlap });
    }
  });

  it.each([
    ["what JobClient writes", "2026-11-23T13:30:00.000Z", true],
    ["an offset", "2026-11-23T14:30:00+01:00", true],
    ["no seconds", "2026-11-23T13:30Z", true],
    ["nanoseconds", "2026-11-23T13:30:00.123456789Z", true],
    ["a space for T", "2026-11-23 13:30:00.000Z", false],
    ["a letter among the digits", "2026-11-2xT13:30:00.000Z", false],
    ["no zone", "2026-11-23T13:30:00.000", false],
    ["a date only", "2026-11-23", false],
    ["a leap day", "2024-02-29T00:00:00.000Z", true],
    ["a compact offset", "2026-11-23T14:30:00.5+0100", true],
    ["year 0001", "0001-01-01T00:00:00.000Z", true],
    ["an impossible date and time", "2026-99-99T99:99:99.999Z", false],
    ["month 13", "2026-13-01T00:00:00.000Z", false],
    ["month 0", "2026-00-01T00:00:00.000Z", false],
    ["February 30th", "2026-02-30T00:00:00.000Z", false],
    ["February 29th of a common year", "2026-02-29T00:00:00.000Z", false],
    ["hour 24", "2026-11-23T24:00:00.000Z", false],
    ["minute 60", "2026-11-23T13:60:00.000Z", false],
    ["a leap second", "2026-12-31T23:59:60.000Z", false],
    ["an offset of 25 hours", "2026-11-23T13:30:00+25:00", false],
    ["an offset of 60 minutes", "2026-11-23T13:30:00+01:60", false],
  ])("enqueuedAt as %s: accepted=%s", (_, enqueuedAt, accepted) => {
    // Both forms: any JSON, and exactly as JobClient writes it.
    const bodies = [
      JSON.stringify({ sqsJobs: 1, job: "x", enqueuedAt, payload: 1 }),
      encodeEnvelopeJson("x", "0193", enqueuedAt, "1"),
    ];
    for (const body of bodies) {
      if (accepted) {
        expect(decodeEnvelope(body).enqueuedAt).toBe(enqueuedAt);
        expect(Number.isNaN(new Date(enqueuedAt).getTime())).toBe(false);
      } else {
        expect(() => decodeEnvelope(body)).toThrow(/ISO 8601/);
      }
    }
  });

  it("unwraps an SNS notification body", () => {
    const sns = {
      Type: "Notification",
      MessageId: "m",
      TopicArn: "arn:aws:sns:x",
      Message: JSON.stringify(good),
    };
    expect(decodeEnvelope(JSON.stringify(sns))).toEqual(good);
  });

  it.each([
    ["not json", "{oops", /not JSON \(5 characters\)/],
    ["an array", "[1]", /not an object \(got array\)/],
    ["a plain object", '{"hello":"world"}', /"sqsJobs" version field is missing/],
    ["a future version", '{"sqsJobs":2,"job":"x","payload":1}', /version 2 is not supported.*upgrade/],
    ["a missing job", '{"sqsJobs":1,"payload":1}', /"job" must be a non-empty string/],
    ["a missing payload", '{"sqsJobs":1,"job":"x"}', /"payload" is missing/],
    ["a bad date", '{"sqsJobs":1,"job":"x","enqueuedAt":"soon","payload":1}', /ISO 8601/],
    ["an unknown field", '{"sqsJobs":1,"job":"x","payload":1,"extra":true}', /unknown field "extra"/],
  ])("rejects %s with a typed error that says what is wrong", (_, body, message) => {
    expect(() => decodeEnvelope(body)).toThrow(EnvelopeError);
    expect(() => decodeEnvelope(body)).toThrow(message);
  });

  it("never echoes the body in its error", () => {
    const body = '{"sqsJobs":1,"job":"x","secret":"hunter2"';
    expect(() => decodeEnvelope(body)).toThrow(/^(?!.*hunter2)/);
  });
});
