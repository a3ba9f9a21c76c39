import { randomUUID } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { LocalRates } from "../../tools/src/dashboard/rates.ts";
import { startDashboard } from "../../tools/src/dashboard/server.ts";
import { queueWithDlq, seedDeadLetter, TIMEOUT } from "../cli/dlq-fixtures.ts";
import { testSqs } from "../helpers/sqs.ts";
import { call } from "./dashboard-client.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

describe("the dashboard's history and rates", () => {
  it("samples each queue's depths and its DLQ's total while it runs", async () => {
    // Given a queue with two waiting jobs and one dead, and a dashboard sampling every 100 ms
    const prefix = `dash-hist-${randomUUID().slice(0, 6)}`;
    const q = await queueWithDlq(sqs, prefix);
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "a" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "b" }));
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    const dash = await startDashboard({
      sqs,
      target: { endpoint: null, region: "us-east-1" },
      version: "0",
      port: 0,
      prefix,
      sampleEveryMs: 100,
    });
    try {
      // When the page asks after a few samples were taken
      const history = async () => (await call(dash.origin, "GET", "api/queues")).json.queues[0].history;
      await expect.poll(async () => (await history()).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);

      // Then each point has the depths and the DLQ's total, in time order
      const points = await history();
      expect(points.at(-1)).toEqual({ at: expect.any(String), visible: 2, inFlight: 0, delayed: 0, dlq: 1 });
      const times = points.map((p: { at: string }) => Date.parse(p.at));
      expect(times).toEqual([...times].sort((a, b) => a - b));
    } finally {
      await dash.close();
    }
  });

  it("counts batches per queue and minute, zero where nothing ran, since the start and at most 15 minutes", () => {
    // Given a stack started at 12:00:30 and batches at 12:01 and 12:03 on one queue
    const at = (hhmmss: string) => new Date(`2026-11-30T${hhmmss}Z`);
    const rates = new LocalRates({ now: at("12:00:30") });
    rates.record("arn:a", { records: 5, failed: 1 }, at("12:01:10"));
    rates.record("arn:a", { records: 3, failed: 0 }, at("12:01:50"));
    rates.record("arn:a", { records: 2, failed: 2 }, at("12:03:00"));
    rates.record("arn:b", { records: 9, failed: 0 }, at("12:03:00"));

    // When the rates are read at 12:03:20
    const read = rates.ratesOf("arn:a", at("12:03:20"));

    // Then one point per minute since 12:00, the other queue apart, sends unknown
    expect(read).toEqual({
      source: "local",
      why: null,
      points: [
        { at: "2026-11-30T12:00:00.000Z", sent: null, processed: 0, failed: 0 },
        { at: "2026-11-30T12:01:00.000Z", sent: null, processed: 7, failed: 1 },
        { at: "2026-11-30T12:02:00.000Z", sent: null, processed: 0, failed: 0 },
        { at: "2026-11-30T12:03:00.000Z", sent: null, processed: 0, failed: 2 },
      ],
      jobs: null,
      oldestAgeSeconds: null,
    });

    // And an hour later only the last 15 minutes are kept
    const later = rates.ratesOf("arn:a", at("13:03:20"));
    expect(later.points).toHaveLength(15);
    expect(later.points[0]?.at).toBe("2026-11-30T12:49:00.000Z");
    expect(later.points.every((p) => p.processed === 0 && p.failed === 0)).toBe(true);
  });
});
