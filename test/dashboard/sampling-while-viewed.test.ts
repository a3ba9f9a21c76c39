import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../tools/src/dashboard/server.ts";
import { queueWithDlq } from "../cli/dlq-fixtures.ts";
import { testSqs } from "../helpers/sqs.ts";
import { call } from "./dashboard-client.ts";
import { countRequests } from "./measured-dashboard.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

const total = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);

describe("the dashboard samples only while a page is open", () => {
  it("makes no AWS call while nobody asks, samples while a page polls, and stops when it closes", async () => {
    // Given two queues with DLQs, and a dashboard that samples every 50 ms and calls a page gone
    // after 400 ms without a request
    const prefix = `dash-view-${randomUUID().slice(0, 6)}`;
    await queueWithDlq(sqs, `${prefix}-a`);
    await queueWithDlq(sqs, `${prefix}-b`);
    const counts = countRequests(sqs);
    const dash = await startDashboard({
      sqs,
      target: { endpoint: null, region: "us-east-1" },
      version: "0",
      port: 0,
      prefix,
      sampleEveryMs: 50,
      idleAfterMs: 400,
    });
    try {
      // When nobody opens the page
      await sleep(600);
      // Then the server has called nothing
      expect(total(counts)).toBe(0);

      // When a page that does not read the queues (the schedules page, say) stays open a while
      for (let i = 0; i < 8; i++) {
        await call(dash.origin, "GET", "api/info");
        await sleep(100);
      }
      // Then the depths were sampled meanwhile (a reading is reused for 1.5 s)
      const { json } = await call(dash.origin, "GET", "api/queues");
      expect(json.queues[0].history.length).toBeGreaterThanOrEqual(1);
      const sampled = total(counts);
      expect(sampled).toBeGreaterThan(0);

      // When the page closes, sampling stops within the idle time
      await sleep(700);
      const afterClose = total(counts);
      await sleep(600);
      expect(total(counts)).toBe(afterClose);
    } finally {
      await dash.close();
    }
  });

  it("costs one ListQueues and one GetQueueAttributes per queue and per DLQ a refresh", async () => {
    // Given three queues with DLQs and a dashboard nobody has opened
    const prefix = `dash-cost-${randomUUID().slice(0, 6)}`;
    for (const name of ["a", "b", "c"]) await queueWithDlq(sqs, `${prefix}-${name}`);
    const counts = countRequests(sqs);
    const dash = await startDashboard({
      sqs,
      target: { endpoint: null, region: "us-east-1" },
      version: "0",
      port: 0,
      prefix,
      sampleEveryMs: 60_000,
    });
    try {
      // When the queues page refreshes once
      await call(dash.origin, "GET", "api/queues");
      // Then that refresh read the list once and each queue and DLQ once (docs/dashboard.md)
      expect(Object.fromEntries(counts)).toEqual({ ListQueuesCommand: 1, GetQueueAttributesCommand: 6 });
    } finally {
      await dash.close();
    }
  });
});
