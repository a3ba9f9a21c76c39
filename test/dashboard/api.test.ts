import { randomUUID } from "node:crypto";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDashboard, startDashboard } from "../../tools/src/dashboard/server.ts";
import { POISON, queueWithDlq, seedDeadLetter, TIMEOUT } from "../cli/dlq-fixtures.ts";
import { createTestQueue, drainQueue, queueArn, queueDepth, testSqs } from "../helpers/sqs.ts";
import { startFakeAws } from "../ops/fake-aws.ts";
import { call, taskEnd } from "./dashboard-client.ts";

const sqs = testSqs();
/** Every queue of this file starts with it, and the dashboard lists only those. */
const prefix = `dash-${randomUUID().slice(0, 6)}`;
let running: RunningDashboard;
let origin: string;

beforeAll(async () => {
  running = await startDashboard({
    sqs,
    target: { endpoint: "http://test", region: "us-east-1" },
    version: "0.0.0-test",
    port: 0,
    prefix,
  });
  origin = running.origin;
});

afterAll(async () => {
  await running?.close();
  sqs.destroy();
});

describe("the dashboard API on queues and their DLQs", () => {
  it("lists each queue with its counts and its DLQ's, not the DLQ on its own row", async () => {
    // Given a queue with two jobs waiting and two dead ones in its DLQ
    const q = await queueWithDlq(sqs, `${prefix}-counts`);
    for (let i = 0; i < 2; i++) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: q.url, MessageBody: JSON.stringify({ job: "x", payload: i }) }),
      );
    }
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    await seedDeadLetter(sqs, q.dlqUrl, q.url, POISON);

    // When the page asks for the queues (the server reuses a reading for a second or two, so a
    // queue made a moment ago may take that long to show)
    let answer = await call(origin, "GET", "api/queues");
    const readingAfterSetUp = async () => {
      answer = await call(origin, "GET", "api/queues");
      // A reading taken after the last send (the cache may still hold one from before it)
      return answer.json.queues.some(
        (x: { name: string; visible: number; dlq: { visible: number } | null }) =>
          x.name === q.name && x.visible === 2 && x.dlq?.visible === 2,
      );
    };
    await expect.poll(readingAfterSetUp, { timeout: 5_000 }).toBe(true);

    // Then the queue has its counts, its DLQ's depth, no consumers (no Lambda here) and says why
    // there are no rates; its DLQ has no row of its own
    expect(answer.status).toBe(200);
    expect(answer.headers["cache-control"]).toBe("no-store");
    const names = answer.json.queues.map((x: { name: string }) => x.name);
    expect(names).toContain(q.name);
    expect(names).not.toContain(q.dlqName);
    const row = answer.json.queues.find((x: { name: string }) => x.name === q.name);
    expect(row).toMatchObject({
      url: q.url,
      fifo: false,
      visible: 2,
      inFlight: 0,
      delayed: 0,
      dlq: { name: q.dlqName, visible: 2, inFlight: 0, delayed: 0 },
      dlqError: null,
      consumers: null,
      consumersError: "no Lambda client",
      rates: { source: null, points: [] },
    });
    expect(row.rates.why).toMatch(/CloudWatch/);
    expect(Array.isArray(row.history)).toBe(true);
    expect(Date.parse(answer.json.at)).not.toBeNaN();
  });

  it("lists a DLQ's jobs with their reasons, counts what it scanned and filters by reason, job and time", async () => {
    // Given three timed-out jobs and two poison ones in a DLQ
    const q = await queueWithDlq(sqs, `${prefix}-dlq`);
    for (let i = 0; i < 3; i++) await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    for (let i = 0; i < 2; i++) await seedDeadLetter(sqs, q.dlqUrl, q.url, POISON);

    // When the page lists the DLQ, unfiltered and filtered
    const all = await call(origin, "GET", `api/queues/${q.name}/dlq`);
    const poison = await call(origin, "GET", `api/queues/${q.name}/dlq?reason=poison`);
    const byText = await call(origin, "GET", `api/queues/${q.name}/dlq?reason=TIMED%20OUT&job=build-report`);
    const after = await call(origin, "GET", `api/queues/${q.name}/dlq?since=2026-11-24T00:00:00Z`);
    const before = await call(origin, "GET", `api/queues/${q.name}/dlq?until=2026-11-24T00:00:00Z`);

    // Then every record says why it died, with no body, and the counts cover what was scanned
    expect(all.status).toBe(200);
    expect(all.json).toMatchObject({ dlq: { name: q.dlqName }, depth: 5, scanned: 5 });
    expect(all.json.reasons).toEqual([
      { reason: "exhausted", count: 3 },
      { reason: "poison", count: 2 },
    ]);
    expect(all.json.jobs).toEqual([
      { jobName: "build-report", count: 3 },
      { jobName: "send-email", count: 2 },
    ]);
    expect(all.json.records[0]).toEqual({
      messageId: expect.any(String),
      jobName: expect.any(String),
      jobId: expect.any(String),
      reason: expect.stringMatching(/^(exhausted|poison)$/),
      errorName: expect.any(String),
      errorMessage: expect.any(String),
      attempts: expect.any(Number),
      firstFailureAt: "2026-11-23T10:00:00.000Z",
      lastFailureAt: "2026-11-23T10:05:00.000Z",
      sourceQueue: q.url,
    });
    expect(poison.json.records.map((r: { jobName: string }) => r.jobName)).toEqual([
      "send-email",
      "send-email",
    ]);
    expect(poison.json.reasons).toEqual(all.json.reasons);
    expect(byText.json.records).toHaveLength(3);
    expect(after.json.records).toHaveLength(0);
    expect(before.json.records).toHaveLength(5);

    // And a bad time is refused with the field named
    const bad = await call(origin, "GET", `api/queues/${q.name}/dlq?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("since") });
  });

  it("peeks a dead job's envelope without its payload, and shows the payload only with the token", async () => {
    // Given a dead job
    const q = await queueWithDlq(sqs, `${prefix}-peek`);
    const jobId = await seedDeadLetter(sqs, q.dlqUrl, q.url, POISON);
    const listed = await call(origin, "GET", `api/queues/${q.name}/dlq`);
    const messageId = listed.json.records[0].messageId;

    // When the page opens it without, then with payload=1 (no token, then the token)
    const plain = await call(origin, "GET", `api/queues/${q.name}/dlq/${messageId}`);
    const noToken = await call(origin, "GET", `api/queues/${q.name}/dlq/${messageId}?payload=1`);
    const withToken = await call(origin, "GET", `api/queues/${q.name}/dlq/${messageId}?payload=1`, {
      token: running.token,
    });

    // Then the envelope shows without the payload; the payload needs the token
    expect(plain.status).toBe(200);
    expect(plain.json).toMatchObject({
      record: { messageId, jobId, reason: "poison" },
      envelope: { sqsJobs: 1, job: "send-email", id: jobId, enqueuedAt: expect.any(String) },
      payload: null,
      payloadShown: false,
    });
    expect(plain.json.envelope).not.toHaveProperty("payload");
    expect(noToken.status).toBe(401);
    expect(noToken.json.error.code).toBe("TOKEN_REQUIRED");
    expect(withToken.json).toMatchObject({ payload: { n: 1 }, payloadShown: true });

    // And an unknown message or queue is a 404 with its code
    expect((await call(origin, "GET", `api/queues/${q.name}/dlq/nope`)).json.error.code).toBe(
      "MESSAGE_NOT_FOUND",
    );
    const missing = await call(origin, "GET", `api/queues/${prefix}-missing/dlq`);
    expect([missing.status, missing.json.error.code]).toEqual([404, "QUEUE_NOT_FOUND"]);
  });

  it("redrives chosen jobs by id, then the rest by a filter, as tasks that end with the counts moved", async () => {
    // Given three timed-out jobs and two poison ones
    const q = await queueWithDlq(sqs, `${prefix}-redrive`);
    for (let i = 0; i < 3; i++) await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    for (let i = 0; i < 2; i++) await seedDeadLetter(sqs, q.dlqUrl, q.url, POISON);
    const listed = await call(origin, "GET", `api/queues/${q.name}/dlq?reason=poison`);
    const poisonIds: string[] = listed.json.records.map((r: { messageId: string }) => r.messageId);

    // And bodies that ask for something unclear are refused, naming the field
    const bad = await Promise.all(
      [
        { messageIds: poisonIds, filter: { job: "x" } },
        { messageIds: [] },
        { filter: { since: "last week" } },
        { everything: true },
      ].map((body) =>
        call(origin, "POST", `api/queues/${q.name}/dlq/redrive`, { body, token: running.token }),
      ),
    );
    expect(bad.map((a) => [a.status, a.json.error.code])).toEqual(Array(4).fill([400, "BAD_REQUEST"]));
    expect(bad[2]?.json.error.message).toContain("since");

    // When the two poison jobs are redriven by id
    const byIds = await call(origin, "POST", `api/queues/${q.name}/dlq/redrive`, {
      body: { messageIds: poisonIds },
      token: running.token,
    });

    // Then a task starts at once and ends with both moved
    expect(byIds.status).toBe(202);
    expect(byIds.json.task).toMatchObject({ kind: "redrive", queue: q.name, state: "running", total: 2 });
    const idsTask = await taskEnd(origin, byIds.json.task.id);
    expect(idsTask).toMatchObject({
      state: "done",
      moved: 2,
      failed: 0,
      errors: [],
      endedAt: expect.any(String),
    });
    const moved = await drainQueue(sqs, q.url, { expect: 2 });
    expect(moved.map((m) => JSON.parse(m.Body ?? "{}").job)).toEqual(["send-email", "send-email"]);

    // And the DLQ listing shows the three left
    const left = await call(origin, "GET", `api/queues/${q.name}/dlq`);
    expect(left.json.records.map((r: { reason: string }) => r.reason)).toEqual([
      "exhausted",
      "exhausted",
      "exhausted",
    ]);

    // When the rest is redriven by a filter
    const byFilter = await call(origin, "POST", `api/queues/${q.name}/dlq/redrive`, {
      body: { filter: { job: "build-report", reason: "timed out" } },
      token: running.token,
    });
    const filterTask = await taskEnd(origin, byFilter.json.task.id);

    // Then all three moved and the DLQ is empty
    expect(filterTask).toMatchObject({ state: "done", moved: 3, skipped: 0, failed: 0 });
    expect(await queueDepth(sqs, q.dlqUrl)).toMatchObject({ visible: 0, inFlight: 0 });
    const queues = await call(origin, "GET", "api/queues");
    const row = queues.json.queues.find((x: { name: string }) => x.name === q.name);
    expect(row.dlq).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it("runs one redrive per DLQ at a time: a second one meanwhile is refused with 409", async () => {
    // Given a DLQ with three jobs, one of them held by another reader: a redrive of all counts it
    // at its start and waits for it (two empty receives, about a second) before it ends
    const q = await queueWithDlq(sqs, `${prefix}-busy`);
    for (let i = 0; i < 3; i++) await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.dlqUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 60 }),
    );
    const first = await call(origin, "POST", `api/queues/${q.name}/dlq/redrive`, {
      body: {},
      token: running.token,
    });
    expect(first.status).toBe(202);
    expect(first.json.task.total).toBe(3);

    // When a second starts while the first runs
    const second = await call(origin, "POST", `api/queues/${q.name}/dlq/redrive`, {
      body: {},
      token: running.token,
    });
    const firstMeanwhile = await call(origin, "GET", `api/tasks/${first.json.task.id}`);

    // Then it is refused while the first was still running, and the first ends having moved the two it could
    expect(second.status).toBe(409);
    expect(second.json.error.code).toBe("REDRIVE_RUNNING");
    expect(firstMeanwhile.json.state).toBe("running");
    expect(await taskEnd(origin, first.json.task.id)).toMatchObject({ state: "done", moved: 2 });

    // And once it ended, a new redrive starts
    const third = await call(origin, "POST", `api/queues/${q.name}/dlq/redrive`, {
      body: {},
      token: running.token,
    });
    expect(third.status).toBe(202);
    await taskEnd(origin, third.json.task.id);
  });

  it("purges a DLQ only when the confirmation names it", async () => {
    // Given a DLQ with two jobs
    const q = await queueWithDlq(sqs, `${prefix}-purge`);
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    await seedDeadLetter(sqs, q.dlqUrl, q.url, POISON);

    // When a purge names the source queue, then nothing, then the DLQ
    const wrong = await call(origin, "POST", `api/queues/${q.name}/dlq/purge`, {
      body: { confirm: q.name },
      token: running.token,
    });
    const missing = await call(origin, "POST", `api/queues/${q.name}/dlq/purge`, { token: running.token });
    const depthBetween = await queueDepth(sqs, q.dlqUrl);
    const right = await call(origin, "POST", `api/queues/${q.name}/dlq/purge`, {
      body: { confirm: q.dlqName },
      token: running.token,
    });

    // Then the first two are refused with nothing deleted, and the third empties the DLQ
    expect([wrong.status, wrong.json.error.code]).toEqual([400, "CONFIRM_MISMATCH"]);
    expect([missing.status, missing.json.error.code]).toEqual([400, "CONFIRM_MISMATCH"]);
    expect(depthBetween.visible).toBe(2);
    expect(right.json).toEqual({ purged: q.dlqName });
    await expect.poll(async () => (await queueDepth(sqs, q.dlqUrl)).visible).toBe(0);
  });

  it("answers 50 queues in well under a second from a cold start", async () => {
    // Given 50 queues (10 with a DLQ) under a prefix of their own
    const many = `${prefix}-many`;
    const [first] = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => queueWithDlq(sqs, `${many}-d${i}`)),
      ...Array.from({ length: 40 }, (_, i) => createTestQueue(sqs, `${many}-p${i}`)),
    ]);

    // And a Lambda API (a fake: the test emulator has none) where one function reads the first queue
    const firstArn = await queueArn(sqs, typeof first === "string" ? first : (first?.url ?? ""));
    const fakeLambda = await startFakeAws(() => ({
      status: 200,
      body: {
        EventSourceMappings: [
          { UUID: "u1", EventSourceArn: "arn:aws:sqs:other", State: "Enabled" },
          {
            UUID: "u2",
            EventSourceArn: firstArn,
            FunctionArn: "arn:aws:lambda:us-east-1:0:function:work",
            State: "Enabled",
            BatchSize: 10,
          },
        ],
      },
    }));
    const lambda = new LambdaClient({
      endpoint: fakeLambda.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    });

    // When a new dashboard starts and the page asks for its queues
    const started = performance.now();
    const fresh = await startDashboard({
      sqs,
      lambda,
      target: { endpoint: null, region: "us-east-1" },
      version: "0",
      port: 0,
      prefix: many,
    });
    try {
      const answer = await call(fresh.origin, "GET", "api/queues");
      const ms = performance.now() - started;

      // Then all 50 are there, answered in well under a second
      expect(answer.json.queues).toHaveLength(50);
      console.log(`dashboard: 50 queues (60 with DLQs) answered ${ms.toFixed(0)} ms after start`);
      expect(ms).toBeLessThan(1_000);

      // And their consumers came from one account-wide Lambda call, not one per queue
      expect(fakeLambda.requests).toHaveLength(1);
      const byName = (name: string) =>
        answer.json.queues.find((q: { name: string }) => q.name.startsWith(name));
      expect(byName(`${many}-d0`).consumers).toEqual([
        { uuid: "u2", functionName: "work", state: "Enabled", batchSize: 10, maximumConcurrency: null },
      ]);
      expect(byName(`${many}-p0`).consumers).toEqual([]);
    } finally {
      await fresh.close();
      lambda.destroy();
      await fakeLambda.close();
    }
  });
});
