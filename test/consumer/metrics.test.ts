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
    metrics.add("b", "cancelled", 0);
    const lines = metrics.lines("Ns", 1_763_900_000_123).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map(({ _aws, ...rest }) => rest)).toEqual([
      {
        jobName: "a",
        processed: 2,
        succeeded: 1,
        failed: 1,
        dead: 0,
        throttled: 1,
        cancelled: 0,
        duration: 1.256,
      },
      {
        jobName: "b",
        processed: 2,
        succeeded: 0,
        failed: 0,
        dead: 1,
        throttled: 0,
        cancelled: 1,
        duration: 617.001,
      },
      {
        jobName: "(unknown)",
        processed: 1,
        succeeded: 0,
        failed: 0,
        dead: 1,
        throttled: 0,
        cancelled: 0,
        duration: 0,
      },
      // Only handed back throttled: no run, so no duration to average
      {
        jobName: "c",
        processed: 0,
        succeeded: 0,
        failed: 0,
        dead: 0,
        throttled: 1,
        cancelled: 0,
        duration: 0,
      },
    ]);
    expect(lines[0]?._aws).toMatchObject({
      Timestamp: 1_763_900_000_123,
      CloudWatchMetrics: [{ Namespace: "Ns" }],
    });
  });

  it("count each batch's outcomes per queue too, in the same document, without processed or duration", () => {
    // Given a batch from the queue "orders" with two job names
    const metrics = new BatchMetrics({ queue: "orders" });
    metrics.add("a", "succeeded", 1);
    metrics.add("b", "dead", 1);
    // When its lines are written
    const lines = metrics.lines("Ns", 0).map((l) => JSON.parse(l) as Record<string, unknown>);
    // Then each job's document carries the queue, and a second directive keeps five outcomes by it
    expect(lines.map((l) => [l.jobName, l.queue])).toEqual([
      ["a", "orders"],
      ["b", "orders"],
    ]);
    expect(lines[1]?._aws).toMatchObject({
      CloudWatchMetrics: [
        { Namespace: "Ns", Dimensions: [["jobName"]] },
        {
          Namespace: "Ns",
          Dimensions: [["queue"]],
          Metrics: ["succeeded", "failed", "dead", "throttled", "cancelled"].map((Name) => ({
            Name,
            Unit: "Count",
          })),
        },
      ],
    });
  });

  it("keep to the job dimension when the queue is not known", () => {
    const metrics = new BatchMetrics();
    metrics.add("a", "succeeded", 1);
    const [line] = metrics.lines("Ns", 0).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(line).not.toHaveProperty("queue");
    expect(line?._aws).toEqual({
      Timestamp: 0,
      CloudWatchMetrics: [expect.objectContaining({ Dimensions: [["jobName"]] })],
    });
  });
});
