import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { Ledger } from "../../src/ledger/ledger.ts";
import { startFaultProxy } from "../reliability/fault-proxy.ts";
import { claimOf, ledgerFixture } from "./fixture.ts";

const { newLedger, endpoint } = ledgerFixture();
/** A key held for an hour, pending for 30 s until its send confirms it. */
const HOUR = { windowSeconds: 3600, pendingMs: 30_000 };

/** A fresh ledger reached through a proxy that applies the first `action`, then drops its answer. */
async function answerLost(action: "PutItem" | "UpdateItem" | "DeleteItem") {
  const { tableName } = await newLedger();
  const proxy = await startFaultProxy({
    target: endpoint,
    rates: { [action]: { resetAfter: 1 } },
    maxFaults: 1,
  });
  const client = new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: process.env.AWS_REGION ?? "us-east-1",
  });
  return { proxy, client, ledger: new Ledger({ client, tableName, retentionDays: 14 }) };
}

describe("Ledger", () => {
  it("a queued job is claimed once, counts the attempt, and finishes with its result", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    await ledger.recordQueued([{ jobId, job: "send-email", queue: "emails", payloadHash: "h1" }]);
    expect((await ledger.get(jobId))?.status).toBe("queued");

    const first = claimOf(jobId);
    expect(await ledger.claim(first)).toEqual({ kind: "claimed", attempts: 1, cancelRequested: false });
    expect((await ledger.get(jobId))?.status).toBe("running");
    expect(
      await ledger.finish(jobId, "emails", first.runToken, {
        status: "succeeded",
        resultJson: '{"sent":true}',
      }),
    ).toBe(true);

    const entry = await ledger.get(jobId);
    expect(entry).toMatchObject({
      status: "succeeded",
      attempts: 1,
      resultJson: '{"sent":true}',
      failure: undefined,
    });
    expect(entry?.finishedAt).toBeInstanceOf(Date);
    // A redelivery of a job that succeeded finds it finished.
    expect(await ledger.claim(claimOf(jobId))).toEqual({ kind: "finished", status: "succeeded" });
  });

  it("two deliveries racing for one job: exactly one claims it, the other finds it busy", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    await ledger.recordQueued([{ jobId, job: "send-email", queue: "emails", payloadHash: "h1" }]);
    const claims = await Promise.all(Array.from({ length: 8 }, () => ledger.claim(claimOf(jobId))));
    expect(claims.filter((c) => c.kind === "claimed")).toHaveLength(1);
    expect(claims.filter((c) => c.kind === "busy")).toHaveLength(7);
    for (const c of claims) if (c.kind === "busy") expect(c.leaseEndsInMs).toBeGreaterThan(25_000);
  });

  it("a claim the SDK retries after losing the answer (a reset) is still this run's, counted once", async () => {
    // Given a queued job, and DynamoDB reached through a proxy that applies the first UpdateItem
    // and then drops the connection, so the SDK sends it again
    const { proxy, client, ledger } = await answerLost("UpdateItem");
    const jobId = randomUUID();
    await ledger.recordQueued([{ jobId, job: "send-email", queue: "emails", payloadHash: "h1" }]);
    try {
      // When a run claims it
      const claim = await ledger.claim(claimOf(jobId));
      // Then the retried write finds the run's own token: claimed, one attempt, not busy
      expect(proxy.counts.UpdateItem?.resetAfter).toBe(1);
      expect(claim).toEqual({ kind: "claimed", attempts: 1, cancelRequested: false });
      expect(await ledger.get(jobId)).toMatchObject({ status: "running", attempts: 1 });
      // And another delivery still finds it busy
      expect(await ledger.claim(claimOf(jobId))).toMatchObject({ kind: "busy" });
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it("a claim that loses to a run which ends before the old entry is read back waits, and is no collision", async () => {
    // Given a job held by run A, and a ledger whose failed UpdateItem lets A end as retrying before
    // the error comes back: the window where dynalite (no ReturnValuesOnConditionCheckFailure)
    // reads the old entry back
    const plain = await newLedger();
    const jobId = randomUUID();
    await plain.recordQueued([{ jobId, job: "send-email", queue: "emails", payloadHash: "h1" }]);
    const a = claimOf(jobId);
    await plain.claim(a);
    const client = new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? "us-east-1" });
    let raced = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (context.commandName === "UpdateItemCommand" && !raced) {
            raced = true;
            const failure = { reason: undefined, name: "Error", message: "flaky", code: undefined };
            await plain.finish(jobId, "emails", a.runToken, { status: "retrying", failure });
          }
          throw error;
        }
      },
      { step: "initialize" },
    );
    const racing = new Ledger({ client, tableName: plain.tableName, retentionDays: 14 });
    try {
      // When another delivery of the same payload claims it
      const claim = await racing.claim(claimOf(jobId));
      // Then it waits a moment instead of calling it a reused job id, and its next try runs it
      expect(raced).toBe(true);
      expect(claim.kind).not.toBe("collision");
      expect(await racing.claim(claimOf(jobId))).toEqual({
        kind: "claimed",
        attempts: 2,
        cancelRequested: false,
      });
    } finally {
      client.destroy();
    }
  });

  it("a job unknown to the ledger (sent by another producer) is claimed and created", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    expect(await ledger.claim(claimOf(jobId, { payloadHash: undefined }))).toEqual({
      kind: "claimed",
      attempts: 1,
      cancelRequested: false,
    });
    expect(await ledger.get(jobId)).toMatchObject({
      status: "running",
      jobName: "send-email",
      queue: "emails",
    });
  });

  it("a finish written twice (the SDK's retry after a lost answer) is this run's, until another run claims", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    const failure = { reason: undefined, name: "TypeError", message: "boom", code: undefined };
    const one = claimOf(jobId);
    await ledger.claim(one);
    const end = { status: "retrying", failure } as const;
    expect(await ledger.finish(jobId, "emails", one.runToken, end)).toBe(true);
    expect(await ledger.finish(jobId, "emails", one.runToken, end)).toBe(true);
    // Once the next run claimed the job, the first run's repeated finish must not touch it
    const two = claimOf(jobId);
    expect(await ledger.claim(two)).toEqual({ kind: "claimed", attempts: 2, cancelRequested: false });
    expect(await ledger.finish(jobId, "emails", one.runToken, { status: "succeeded", resultJson: "1" })).toBe(
      false,
    );
    expect(await ledger.get(jobId)).toMatchObject({ status: "running", attempts: 2 });
  });

  it("an expired lease can be taken over; the old run's late finish is refused", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    const crashed = claimOf(jobId, { leaseMs: 1 });
    expect(await ledger.claim(crashed)).toEqual({ kind: "claimed", attempts: 1, cancelRequested: false });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const next = claimOf(jobId);
    expect(await ledger.claim(next)).toEqual({ kind: "claimed", attempts: 2, cancelRequested: false });
    expect(
      await ledger.finish(jobId, "emails", crashed.runToken, { status: "succeeded", resultJson: "1" }),
    ).toBe(false);
    expect(
      await ledger.finish(jobId, "emails", next.runToken, { status: "succeeded", resultJson: "2" }),
    ).toBe(true);
    expect((await ledger.get(jobId))?.resultJson).toBe("2");
  });

  it("retrying keeps the failure and counts runs; dead is final unless redriven", async () => {
    const ledger = await newLedger();
    const jobId = randomUUID();
    const failure = { reason: undefined, name: "TypeError", message: "boom", code: undefined };
    const one = claimOf(jobId);
    await ledger.claim(one);
    await ledger.finish(jobId, "emails", one.runToken, { status: "retrying", failure });
    expect(await ledger.get(jobId)).toMatchObject({ status: "retrying", attempts: 1, failure });

    const two = claimOf(jobId);
    expect(await ledger.claim(two)).toEqual({ kind: "claimed", attempts: 2, cancelRequested: false });
    const dead = { ...failure, reason: "exhausted" as const };
    await ledger.finish(jobId, "emails", two.runToken, { status: "dead", failure: dead });
    expect(await ledger.get(jobId)).toMatchObject({ status: "dead", attempts: 2, failure: dead });

    expect(await ledger.claim(claimOf(jobId))).toEqual({ kind: "finished", status: "dead" });
    expect(await ledger.claim(claimOf(jobId, { redriven: true }))).toEqual({
      kind: "claimed",
      attempts: 1,
      cancelRequested: false,
    });
    // A redriven job runs again: it has not finished, whatever its dead run's finishedAt said.
    const revived = await ledger.get(jobId);
    expect(revived?.status).toBe("running");
    expect(revived?.finishedAt).toBeUndefined();
  });

  it("unique keys: one holder per window, racing producers included; released keys are free", async () => {
    const ledger = await newLedger();
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const found = await Promise.all(
      ids.map((id) => ledger.reserveUnique("send-email", "a@example.com", id, HOUR)),
    );
    const winners = found.filter((f) => f.kind === "taken");
    expect(winners).toHaveLength(1);
    const winner = ids[found.findIndex((f) => f.kind === "taken")] as string;
    // The winner's send has not confirmed yet: the others find the key pending, held by it.
    for (const f of found) if (f.kind !== "taken") expect(f).toMatchObject({ kind: "pending", by: winner });

    await ledger.releaseUnique("send-email", "a@example.com", "not-the-holder");
    expect(await ledger.reserveUnique("send-email", "a@example.com", "late", HOUR)).toMatchObject({
      kind: "pending",
      by: winner,
    });
    await ledger.confirmUnique("send-email", "a@example.com", winner, HOUR);
    expect(await ledger.reserveUnique("send-email", "a@example.com", "late", HOUR)).toEqual({
      kind: "held",
      by: winner,
    });
    await ledger.releaseUnique("send-email", "a@example.com", winner);
    expect(await ledger.reserveUnique("send-email", "a@example.com", "late", HOUR)).toEqual({
      kind: "taken",
    });
  });

  it("a pending unique key whose lease ended reads as held, and its holder can no longer free it", async () => {
    // Given a key taken with a 50 ms lease whose send never confirmed nor released it (a dead producer)
    const ledger = await newLedger();
    expect(await ledger.reserveUnique("j", "k", "dead", { windowSeconds: 3600, pendingMs: 50 })).toEqual({
      kind: "taken",
    });
    expect(await ledger.reserveUnique("j", "k", "other", HOUR)).toMatchObject({
      kind: "pending",
      by: "dead",
    });
    // When the lease (and the clock-skew allowance) is over
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Then it is held: its job may be on the queue, and another send may have been deduplicated onto it
    expect(await ledger.reserveUnique("j", "k", "other", HOUR)).toEqual({ kind: "held", by: "dead" });
    await ledger.releaseUnique("j", "k", "dead");
    expect(await ledger.reserveUnique("j", "k", "other", HOUR)).toEqual({ kind: "held", by: "dead" });
  });

  it("a unique key whose window ended is taken by the next job", async () => {
    const ledger = await newLedger();
    expect(await ledger.reserveUnique("j", "k", "first", { windowSeconds: 0.001, pendingMs: 0 })).toEqual({
      kind: "taken",
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await ledger.reserveUnique("j", "k", "second", HOUR)).toEqual({ kind: "taken" });
  });

  it("concurrency slots: at most `limit` holders at once, a released or expired slot is free again", async () => {
    const ledger = await newLedger();
    const tokens = Array.from({ length: 5 }, () => randomUUID());
    const slots = await Promise.all(tokens.map((t) => ledger.takeSlot("report", "acme", 2, t, 30_000)));
    const taken = slots.filter((s) => s !== undefined);
    expect(taken.sort()).toEqual([0, 1]);

    const holder = slots.findIndex((s) => s !== undefined);
    await ledger.releaseSlot("report", "acme", slots[holder] as number, tokens[holder] as string);
    expect(await ledger.takeSlot("report", "acme", 2, "next", 1)).toBe(slots[holder]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await ledger.takeSlot("report", "acme", 2, "after-expiry", 30_000)).toBe(slots[holder]);
  });

  it("a slot taken by an attempt whose answer was lost is this run's, not taken by another", async () => {
    // Given DynamoDB reached through a proxy that applies the first PutItem (the slot) and then
    // drops the connection, so the SDK sends it again and meets the slot its first attempt took
    const { proxy, client, ledger } = await answerLost("PutItem");
    try {
      // When a run takes the only slot of its key
      const slot = await ledger.takeSlot("report", "acme", 1, "mine", 30_000);
      // Then it holds it (before, it waited for its own slot until the lease ended)
      expect(proxy.counts.PutItem?.resetAfter).toBe(1);
      expect(slot).toBe(0);
      expect(await ledger.takeSlot("report", "acme", 1, "other", 30_000)).toBeUndefined();
      await ledger.releaseSlot("report", "acme", 0, "mine");
      expect(await ledger.takeSlot("report", "acme", 1, "other", 30_000)).toBe(0);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it("a cancel whose entry delete lost its answer still frees the unique key the job held", async () => {
    // Given a job sent for later that holds a unique key, and a ledger whose first delete (the
    // entry's) is applied but its answer lost, so the SDK's retry finds the entry gone
    const { proxy, client, ledger } = await answerLost("DeleteItem");
    const jobId = randomUUID();
    const runsAt = new Date(Date.now() + 86_400_000);
    expect(
      await ledger.reserveUnique("send-email", "ana", jobId, {
        windowSeconds: 3600,
        runsAt,
        pendingMs: 30_000,
      }),
    ).toEqual({ kind: "taken" });
    await ledger.confirmUnique("send-email", "ana", jobId, { windowSeconds: 3600, runsAt });
    await ledger.recordQueued([
      { jobId, job: "send-email", queue: "emails", payloadHash: "h1", runsAt, uniqueKey: "ana" },
    ]);
    try {
      // When the cancelled job is forgotten
      await ledger.forgetCancelled(jobId);
      // Then its entry is gone and its key is free for the next send
      expect(proxy.counts.DeleteItem?.resetAfter).toBe(1);
      expect(await ledger.get(jobId)).toBeUndefined();
      expect(await ledger.reserveUnique("send-email", "ana", randomUUID(), HOUR)).toEqual({ kind: "taken" });
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it("lists a queue's jobs in one status, newest first, across shards", async () => {
    const ledger = await newLedger();
    const ids = Array.from({ length: 40 }, () => randomUUID());
    await ledger.recordQueued(
      ids.map((jobId) => ({ jobId, job: "send-email", queue: "emails", payloadHash: "h" })),
    );
    const run = claimOf(ids[0] as string, { payloadHash: "h" });
    await ledger.claim(run);
    await ledger.finish(ids[0] as string, "emails", run.runToken, {
      status: "dead",
      failure: { reason: "permanent", name: "PermanentError", message: "no", code: "ERR_PERMANENT" },
    });
    expect(await ledger.list("emails", "queued", 100)).toHaveLength(39);
    const dead = await ledger.list("emails", "dead", 10);
    expect(dead).toEqual([expect.objectContaining({ jobId: ids[0], status: "dead", reason: "permanent" })]);
    expect(await ledger.list("emails", "queued", 5)).toHaveLength(5);
  });
});
