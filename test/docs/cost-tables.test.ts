import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  alternativesTable,
  COST_PAGES,
  detailTable,
  markedSection,
  readCostResults,
  summaryTable,
} from "../../bench/cost/render.ts";

describe("the cost tables come from the cost bench's results", () => {
  it("docs/cost.md's table is bench/results/cost.json rendered (node bench/cost/render.ts)", async () => {
    const results = await readCostResults();
    const page = await readFile(COST_PAGES.docs, "utf8");
    expect(markedSection(page, "detail")).toBe(detailTable(results));
  });

  it("and so is its side-by-side with BullMQ on ElastiCache (bench/cost/prices.ts)", async () => {
    const results = await readCostResults();
    const page = await readFile(COST_PAGES.docs, "utf8");
    expect(markedSection(page, "alternatives")).toBe(alternativesTable(results));
  });

  it("the README's table is too", async () => {
    const results = await readCostResults();
    const page = await readFile(COST_PAGES.readme, "utf8");
    expect(markedSection(page, "summary")).toBe(summaryTable(results));
  });

  it("plain send with a Lambda consumer stays within 1.1x of the floor's SQS requests, and the ledger adds the writes docs/ledger.md states", async () => {
    const { scenarios } = await readCostResults();
    const of = (name: string) => {
      const found = scenarios.find((s) => s.name === name);
      if (found === undefined) throw new Error(`no ${name} scenario in bench/results/cost.json`);
      return found.perJob;
    };
    expect(of("send").sqsRequests / of("floor").sqsRequests).toBeLessThanOrEqual(1.1);
    // docs/ledger.md: 3 writes for a job that succeeds first time, 2 more for a unique key
    expect(of("ledger").dynamoDbWriteUnits).toBe(3);
    expect(of("unique").dynamoDbWriteUnits).toBe(5);
  });
});
