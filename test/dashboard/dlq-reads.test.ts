import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { peekDeadLetters } from "../../src/ops/peek.ts";
import type { RunningDashboard } from "../../tools/src/dashboard/server.ts";
import { queueWithDlq, seedDeadLetter, TIMEOUT } from "../cli/dlq-fixtures.ts";
import { testSqs } from "../helpers/sqs.ts";
import { call } from "./dashboard-client.ts";
import { countRequests, dashboardOnPlayedClock } from "./measured-dashboard.ts";

const sqs = testSqs();
const prefix = `dash-dlqreads-${randomUUID().slice(0, 6)}`;
/** The SQS requests the dashboard sends, by command. */
let requests = new Map<string, number>();
const receives = () => requests.get("ReceiveMessageCommand") ?? 0;
let dash: RunningDashboard;

beforeAll(async () => {
  const counted = testSqs();
  requests = countRequests(counted);
  dash = await dashboardOnPlayedClock({
    sqs: counted,
    prefix,
  });
});

afterAll(async () => {
  await dash?.close();
  sqs.destroy();
});

describe("the DLQ page reads a DLQ only when it may have changed", () => {
  it("reuses its peek while the DLQ's depth stays the same (up to a minute), and reads again when it moves", async () => {
    // Given a DLQ with two dead jobs, listed once
    const q = await queueWithDlq(sqs, `${prefix}-q`);
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    const path = `api/queues/${q.name}/dlq`;
    expect((await call(dash.origin, "GET", path)).json.records).toHaveLength(2);
    const afterFirst = receives();
    expect(afterFirst).toBeGreaterThan(0);

    // When the page polls every 5 s for 55 s and nothing arrives
    for (let t = 5; t <= 55; t += 5) {
      vi.setSystemTime(Date.now() + 5_000);
      expect((await call(dash.origin, "GET", path)).json.records).toHaveLength(2);
    }

    // Then it received nothing more: the messages' receive counts did not move
    expect(receives()).toBe(afterFirst);
    const [seen] = await peekDeadLetters(sqs, q.dlqUrl);
    expect(seen?.attributes.ApproximateReceiveCount).toBe("1");

    // And a third dead job (the depth moves) shows on the next poll
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    vi.setSystemTime(Date.now() + 5_000);
    expect((await call(dash.origin, "GET", path)).json.records).toHaveLength(3);
    expect(receives()).toBeGreaterThan(afterFirst);

    // And after a minute it reads again even if the depth did not move (one left, another came)
    const before = receives();
    vi.setSystemTime(Date.now() + 61_000);
    await call(dash.origin, "GET", path);
    expect(receives()).toBeGreaterThan(before);
  });
});
