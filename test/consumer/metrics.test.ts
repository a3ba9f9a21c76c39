import { describe, expect, it } from "vitest";
import { BatchMetrics } from "../../src/consumer/metrics.ts";

describe("EMF lines", () => {
  it("write the batch's counts and mean duration as JSON numbers, per job", () => {
    const metrics = new BatchMetrics();
    metrics.add("a", "succeeded", 0.0125);
    metrics.add("a", "retrying", 2.5);
    metrics.add("b", "dead", 1_234.0016);
    metrics.add(undefined, "dead", 0);
    metrics.throttled("a");
    metrics.throttled("c");
    const lines = metrics.lines("Ns", 1_763_900_000_123).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map(({ _aws, ...rest }) => rest)).toEqual([
      { jobName: "a", processed: 2, succeeded: 1, failed: 1, dead: 0, throttled: 1, duration: 1.256 },
      { jobName: "b", processed: 1, succeeded: 0, failed: 0, dead: 1, throttled: 0, duration: 1234.002 },
      { jobName: "(unknown)", processed: 1, succeeded: 0, failed: 0, dead: 1, throttled: 0, duration: 0 },
      // Only handed back throttled: no run, so no duration to average
      { jobName: "c", processed: 0, succeeded: 0, failed: 0, dead: 0, throttled: 1, duration: 0 },
    ]);
    expect(lines[0]?._aws).toMatchObject({
      Timestamp: 1_763_900_000_123,
      CloudWatchMetrics: [{ Namespace: "Ns" }],
    });
  });
});
