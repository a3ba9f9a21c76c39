import { describe, expect, it } from "vitest";
import { matchesFilter, reasonWord } from "../../src/ops/dead-letter-filter.ts";
import type { DeadLetterRecord } from "../../src/ops/dead-letter-record.ts";

const record = (fields: Partial<DeadLetterRecord>): DeadLetterRecord => ({
  messageId: "m1",
  jobName: "build-report",
  jobId: "j1",
  reason: "exhausted",
  errorName: "JobTimeoutError",
  errorMessage: "job build-report timed out after 30 s",
  attempts: 5,
  firstFailureAt: "2026-11-23T10:00:00.000Z",
  lastFailureAt: "2026-11-23T10:05:00.000Z",
  sourceQueue: "q",
  body: "{}",
  attributes: {},
  messageAttributes: {},
  ...fields,
});

describe("the DLQ filter shared by listings and redrives", () => {
  it("matches the reason word, error name or message case-insensitively; `sqs` for RedrivePolicy moves", () => {
    const bySqs = record({
      reason: undefined,
      errorName: undefined,
      errorMessage: undefined,
      lastFailureAt: undefined,
    });
    expect(reasonWord(bySqs)).toBe("sqs");
    expect(matchesFilter(bySqs, { reason: "SQS" })).toBe(true);
    expect(matchesFilter(record({}), { reason: "sqs" })).toBe(false);
    expect(matchesFilter(record({}), { reason: "Timed Out", job: "build-report" })).toBe(true);
    expect(matchesFilter(record({}), { reason: "timeouterror" })).toBe(true);
    expect(matchesFilter(record({}), { job: "build" })).toBe(false);
  });

  it("bounds the last failure time inclusively, and never matches a bound without a time", () => {
    const at = new Date("2026-11-23T10:05:00.000Z");
    expect(matchesFilter(record({}), { since: at, until: at })).toBe(true);
    expect(matchesFilter(record({}), { since: new Date(at.getTime() + 1) })).toBe(false);
    expect(matchesFilter(record({}), { until: new Date(at.getTime() - 1) })).toBe(false);
    expect(matchesFilter(record({ lastFailureAt: undefined }), { until: at })).toBe(false);
  });

  it("selects by message id, with the other fields still applying", () => {
    expect(matchesFilter(record({}), { messageIds: new Set(["m1"]) })).toBe(true);
    expect(matchesFilter(record({}), { messageIds: new Set(["m2"]) })).toBe(false);
    expect(matchesFilter(record({}), { messageIds: new Set(["m1"]), job: "other" })).toBe(false);
  });
});
