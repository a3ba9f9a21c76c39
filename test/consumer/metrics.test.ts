import { describe, expect, it } from "vitest";
import { BatchMetrics, EmfFormat } from "../../src/consumer/metrics.ts";

describe("EMF lines", () => {
  it("write the batch's counts and mean duration as JSON numbers, per job", () => {
    const metrics = new BatchMetrics();
    metrics.add("a", "succeeded", 1_000, 1_000.0125);
    metrics.add("a", "retrying", 1_000, 1_002.5);
    metrics.add("b", "dead-lettered", 5, 1_239.0016);
    metrics.add(undefined, "dead-lettered", 7, 7);
    const format = new EmfFormat("Ns");
    const lines = metrics
      .lines(format, 1_763_900_000_123)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map(({ _aws, ...rest }) => rest)).toEqual([
      { job: "a", processed: 2, succeeded: 1, failed: 1, deadLettered: 0, duration: 1.256 },
      { job: "b", processed: 1, succeeded: 0, failed: 0, deadLettered: 1, duration: 1234.002 },
      { job: "(unknown)", processed: 1, succeeded: 0, failed: 0, deadLettered: 1, duration: 0 },
    ]);
    expect(lines[0]?._aws).toMatchObject({
      Timestamp: 1_763_900_000_123,
      CloudWatchMetrics: [{ Namespace: "Ns" }],
    });
  });

  it("take a job's end from the next clock reading when it was not read at the end", () => {
    const metrics = new BatchMetrics();
    metrics.add("a", "succeeded", 100);
    metrics.add("a", "succeeded", 104);
    metrics.stamp(110);
    const [line] = metrics.lines(new EmfFormat("Ns"), 0);
    expect(JSON.parse(line as string)).toMatchObject({ processed: 2, duration: 8 });
  });
});
