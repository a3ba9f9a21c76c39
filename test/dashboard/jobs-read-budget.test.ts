import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { JOB_STATUSES } from "../../src/ledger/job-state.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { LIST_SHARDS } from "../../src/ledger/table-layout.ts";
import { PAGE_POLL_MS, QUERIES_PER_QUEUE_PER_POLL } from "../../tools/src/dashboard/jobs-feed.ts";
import type { RunningDashboard } from "../../tools/src/dashboard/server.ts";
import { createLedgerTable, testDynamoDb } from "../helpers/ledger-table.ts";
import { createTestQueue, testSqs } from "../helpers/sqs.ts";
import { call } from "./dashboard-client.ts";
import { countRequests, dashboardOnPlayedClock } from "./measured-dashboard.ts";

const sqs = testSqs();
const dynamodb = testDynamoDb();
const prefix = `dash-budget-${randomUUID().slice(0, 6)}`;
const QUEUES = 7;
/** Every DynamoDB request the dashboard sends, by command. */
let requests = new Map<string, number>();
const total = () => [...requests.values()].reduce((a, b) => a + b, 0);
let dash: RunningDashboard;
let ledger: Ledger;
let queues: string[];

beforeAll(async () => {
  const tableName = await createLedgerTable(dynamodb, "dash-budget");
  ledger = new Ledger({ client: dynamodb, tableName, retentionDays: 14 });
  queues = [];
  for (let i = 0; i < QUEUES; i++) {
    queues.push((await createTestQueue(sqs, `${prefix}-${i}`)).split("/").pop() ?? "");
  }
  for (const queue of queues) {
    await ledger.recordQueued(
      Array.from({ length: 3 }, () => ({
        jobId: randomUUID(),
        job: "build-report",
        queue,
        payloadHash: "h",
      })),
    );
  }
  const counted = testDynamoDb();
  requests = countRequests(counted);
  dash = await dashboardOnPlayedClock({
    sqs,
    dynamodb: async () => counted,
    ledgerTable: tableName,
    prefix,
  });
});

afterAll(async () => {
  await dash?.close();
  sqs.destroy();
  dynamodb.destroy();
});

describe("the jobs page's DynamoDB reads", () => {
  it("stays within one read request per queue per poll on 7 queues, every state, and still shows new jobs", async () => {
    // Given 7 queues with 3 tracked jobs each, and the jobs page open on every queue and state
    // When it polls every 2.5 s for one reading's life (a poll per query a queue's reading costs:
    // 8 states x 32 shards = 256 polls, 10.7 minutes), on a simulated clock
    const polls = JOB_STATUSES.length * LIST_SHARDS;
    const budget = QUEUES * QUERIES_PER_QUEUE_PER_POLL;
    const perPoll: number[] = [];
    for (let i = 0; i < polls; i++) {
      const before = total();
      const answer = await call(dash.origin, "GET", "api/jobs");
      expect(answer.status).toBe(200);
      expect(answer.json.jobs).toHaveLength(3 * QUEUES);
      perPoll.push(total() - before);
      // Fails at once (with the figures) where every poll reads the whole index again.
      if (total() > budget * polls) {
        expect.fail(
          `7 queues: ${perPoll.join(", ")} read requests on the first ${perPoll.length} polls, past the ${budget * polls} that ${polls} polls may spend`,
        );
      }
      vi.setSystemTime(Date.now() + PAGE_POLL_MS);
    }

    // Then the whole life cost one reading: 7 x 8 x 32 queries, 7 per poll on average
    const sum = total();
    console.log(
      `jobs page, ${QUEUES} queues, every state: ${perPoll[0]} read requests on the first poll, ${sum} over ${polls} polls (${((polls * PAGE_POLL_MS) / 60_000).toFixed(0)} min at 2.5 s) = ${(sum / polls).toFixed(2)} per poll, ${(sum / polls / QUEUES).toFixed(2)} per queue per poll (${[...requests].map(([c, n]) => `${c} ${n}`).join(", ")})`,
    );
    expect(sum / polls).toBeLessThanOrEqual(budget);
    expect([...requests.keys()]).toEqual(["QueryCommand"]);

    // And a job sent meanwhile shows on the first poll after the reading's life
    const late = randomUUID();
    await ledger.recordQueued([{ jobId: late, job: "send-email", queue: queues[0] ?? "", payloadHash: "h" }]);
    vi.setSystemTime(Date.now() - PAGE_POLL_MS);
    const stillOld = await call(dash.origin, "GET", "api/jobs");
    expect(stillOld.json.jobs.map((j: { jobId: string }) => j.jobId)).not.toContain(late);
    vi.setSystemTime(Date.parse(stillOld.json.nextReadAt));
    const renewed = await call(dash.origin, "GET", "api/jobs");
    expect(renewed.json.jobs[0].jobId).toBe(late);
    expect(renewed.json.readAt).toBe(new Date().toISOString());
  });

  it("reads one state for a queue every 32 polls, and reads at once when asked, at most every 10 s", async () => {
    const queue = queues[1] ?? "";
    const path = `api/jobs?queue=${queue}&state=queued`;
    const first = await call(dash.origin, "GET", path);
    expect(Date.parse(first.json.nextReadAt) - Date.parse(first.json.readAt)).toBe(32 * PAGE_POLL_MS);

    // A job sent now shows on "Read now" once 10 s have passed since the reading, not before
    const late = randomUUID();
    await ledger.recordQueued([{ jobId: late, job: "send-email", queue, payloadHash: "h" }]);
    const before = total();
    vi.setSystemTime(Date.now() + 5_000);
    const tooSoon = await call(dash.origin, "GET", `${path}&fresh=1`);
    vi.setSystemTime(Date.now() + 5_000);
    const asked = await call(dash.origin, "GET", `${path}&fresh=1`);
    expect(tooSoon.json.jobs.map((j: { jobId: string }) => j.jobId)).not.toContain(late);
    expect(asked.json.jobs[0].jobId).toBe(late);
    expect(total() - before).toBe(32);
  });
});
