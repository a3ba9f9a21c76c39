import { describe, expect, it } from "vitest";
import { DevSummary } from "../../tools/src/cli/dev-summary.ts";
import { formatAge, renderTable } from "../../tools/src/cli/table.ts";

describe("renderTable", () => {
  it("shrinks the shrinkable column with an ellipsis so every line fits 80 columns", () => {
    const lines = renderTable(
      [
        { header: "QUEUE", shrink: true, min: 12 },
        { header: "VISIBLE", right: true },
        { header: "CONSUMER" },
      ],
      [["q".repeat(120), "12345", "on x5"]],
    );
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines[1]).toMatch(/^q+… {2}\s*12345 {2}on x5$/);
  });

  it("leaves a shrinkable column already narrower than its minimum as it is", () => {
    const [, row] = renderTable(
      [
        { header: "G", shrink: true, min: 12 },
        { header: "LONG", shrink: true, min: 8 },
      ],
      [["g-1", "x".repeat(90)]],
    );
    expect(row).toMatch(/^g-1 {2}x+…$/);
    expect(row?.length).toBe(80);
  });

  it("right-aligns numbers under their header", () => {
    const [header, row] = renderTable([{ header: "NAME" }, { header: "VISIBLE", right: true }], [["a", "3"]]);
    expect(header).toBe("NAME  VISIBLE");
    expect(row).toBe("a           3");
  });
});

describe("formatAge", () => {
  it("keeps ages short", () => {
    expect([formatAge(42), formatAge(600), formatAge(10_800), formatAge(400_000)]).toEqual([
      "42s",
      "10m",
      "3h",
      "5d",
    ]);
  });
});

describe("DevSummary", () => {
  it("reports per function only what changed since the last tick, with totals", () => {
    // Given two batches of one function
    const summary = new DevSummary();
    summary.record({
      type: "batch",
      functionName: "worker",
      queueArn: "arn:q",
      records: 5,
      failed: 1,
      durationMs: 10,
    });
    summary.record({
      type: "batch",
      functionName: "worker",
      queueArn: "arn:q",
      records: 2,
      failed: 0,
      durationMs: 10,
    });

    // And the consumer's metrics line says one of them was dead-lettered
    const emf = '{"_aws":{"CloudWatchMetrics":[]},"jobName":"a","processed":3,"dead":1}';
    expect(summary.log("worker", emf)).toBe(true);
    expect(summary.log("worker", '{"level":"info","msg":"hi"}')).toBe(false);

    // Then one tick line sums them, and a quiet tick prints nothing
    expect(summary.tick()).toEqual([
      "worker: +5 ok, +1 to retry, +1 dead-lettered (total 5 ok, 1 to retry, 1 dead-lettered)",
    ]);
    expect(summary.tick()).toEqual([]);

    // And a DLQ line appears only when its depth changes
    expect(summary.dlq("jobs-dlq", 2)).toContain("DLQ jobs-dlq: 2 messages (+2;");
    expect(summary.dlq("jobs-dlq", 2)).toBeUndefined();
  });
});
