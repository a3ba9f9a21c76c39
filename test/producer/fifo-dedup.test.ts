import { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { defineJob, JobClient } from "../../src/index.ts";
import { createTestQueue, drainQueue, testSqs } from "../helpers/sqs.ts";
import { ledgerFixture } from "../ledger/fixture.ts";
import { startFaultProxy } from "../reliability/fault-proxy.ts";

// On a FIFO queue SQS accepts, and never delivers, a message whose deduplication id it saw in the
// last 5 minutes. With a ledger the second send must not get a fresh job id whose entry stays
// `queued` for good: it is answered `deduplicated` onto the first job, as SQS treats it.

const sqs = testSqs();
const endpoint = inject("sqsEndpoint");
const { client: dynamodb, newLedger } = ledgerFixture();
const ping = defineJob({ name: "ping", schema: z.object({ n: z.number() }), fifo: { groupId: "g" } });

async function rig(label: string) {
  const queueUrl = await createTestQueue(sqs, label, { fifo: true });
  const ledger = await newLedger();
  const client = new JobClient({ queueUrl, sqs, ledger: { tableName: ledger.tableName, dynamodb } });
  return { queueUrl, ledger, client };
}

describe("FIFO deduplication with a ledger", () => {
  it("the second send of a payload SQS deduplicates is answered deduplicated onto the first job", async () => {
    const { queueUrl, ledger, client } = await rig("phantom");
    const a = await client.send(ping, { n: 1 });
    const b = await client.send(ping, { n: 1 });
    expect(a.deduplicated).toBe(false);
    expect(b).toMatchObject({ deduplicated: true, jobId: a.jobId, messageId: "" });
    const [message, ...rest] = await drainQueue(sqs, queueUrl, { expect: 1 });
    expect(rest).toHaveLength(0);
    expect(message?.Body).toContain(a.jobId);
    expect((await ledger.get(a.jobId))?.status).toBe("queued");
  });

  it("one id in two message groups is two jobs: the reservation is per group, as SQS's high-throughput scope", async () => {
    // Given a FIFO queue that deduplicates per message group (DeduplicationScope: messageGroup)
    const queueUrl = await createTestQueue(sqs, "phantom-groups", {
      fifo: true,
      attributes: { DeduplicationScope: "messageGroup", FifoThroughputLimit: "perMessageGroupId" },
    });
    const ledger = await newLedger();
    const client = new JobClient({ queueUrl, sqs, ledger: { tableName: ledger.tableName, dynamodb } });
    // When one payload (one deduplication id) goes to two groups
    const a = await client.send(ping, { n: 1 }, { groupId: "tenant-a" });
    const b = await client.send(ping, { n: 1 }, { groupId: "tenant-b" });
    // Then neither is answered deduplicated onto the other group's job: each has its own
    // (whether SQS then holds both is SQS's scope; fauxqs deduplicates per queue whatever the
    // scope, so delivery is not what this test can check)
    expect(a.deduplicated).toBe(false);
    expect(b.deduplicated).toBe(false);
    expect(b.jobId).not.toBe(a.jobId);
    expect((await ledger.get(b.jobId))?.status).toBe("queued");
  });

  it("an explicit dedupId, sendBatch, and two equal payloads in one batch are deduplicated the same way", async () => {
    const { queueUrl, client } = await rig("phantom-batch");
    const first = await client.send(ping, { n: 1 }, { dedupId: "order-7" });
    const again = await client.send(ping, { n: 2 }, { dedupId: "order-7" });
    expect(again).toMatchObject({ deduplicated: true, jobId: first.jobId });
    const batch = await client.sendBatch(ping, [{ n: 3 }, { n: 3 }, { n: 4 }]);
    const [three, threeAgain, four] = batch.items;
    expect(three).toMatchObject({ ok: true, deduplicated: false });
    expect(threeAgain).toMatchObject({ ok: true, deduplicated: true, jobId: three?.jobId });
    expect(four).toMatchObject({ ok: true, deduplicated: false });
    const later = await client.sendBatch(ping, [{ n: 4 }]);
    expect(later.items[0]).toMatchObject({ ok: true, deduplicated: true, jobId: four?.jobId });
    expect(await drainQueue(sqs, queueUrl, { expect: 3 })).toHaveLength(3);
  });

  it("a send SQS refused gives the deduplication id back: the resend is delivered", async () => {
    const { queueUrl, ledger, client } = await rig("phantom-refused");
    const refusing = new SQSClient({
      endpoint,
      region: "us-east-1",
      maxAttempts: 1,
      useQueueUrlAsEndpoint: false,
    });
    refusing.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error("not allowed"), {
          name: "AccessDenied",
          $fault: "client",
          $metadata: { httpStatusCode: 403 },
        });
      },
      { step: "finalizeRequest" },
    );
    const refused = new JobClient({
      queueUrl,
      sqs: refusing,
      ledger: { tableName: ledger.tableName, dynamodb },
    });
    await expect(refused.send(ping, { n: 1 })).rejects.toMatchObject({ name: "SendError", maybeSent: false });
    const resent = await client.send(ping, { n: 1 });
    expect(resent.deduplicated).toBe(false);
    const messages = await drainQueue(sqs, queueUrl, { expect: 1 });
    expect(messages.map((m) => m.Body?.includes(resent.jobId))).toEqual([true]);
  });

  it("a send without an answer gives the id back too: the resend goes to SQS, which drops it if the first arrived", async () => {
    // Given a first send that SQS stored but whose answer was lost (maybeSent)
    const { queueUrl, ledger, client } = await rig("phantom-unsure");
    const proxy = await startFaultProxy({ target: endpoint, rates: { SendMessage: { resetAfter: 1 } } });
    try {
      const lossy = new SQSClient({
        endpoint: proxy.endpoint,
        region: "us-east-1",
        maxAttempts: 1,
        useQueueUrlAsEndpoint: false,
      });
      const unsure = new JobClient({
        queueUrl,
        sqs: lossy,
        ledger: { tableName: ledger.tableName, dynamodb },
      });
      await expect(unsure.send(ping, { n: 1 })).rejects.toMatchObject({ name: "SendError", maybeSent: true });
      expect(proxy.counts.SendMessage?.resetAfter).toBe(1);
    } finally {
      await proxy.close();
    }
    // When the producer resends: it is not answered `deduplicated` (had the first not arrived, the
    // job would be lost); SQS sees the same deduplication id and keeps one copy
    const resent = await client.send(ping, { n: 1 });
    expect(resent.deduplicated).toBe(false);
    expect(await drainQueue(sqs, queueUrl, { expect: 1 })).toHaveLength(1);
  });

  it("a job with a unique key on a FIFO queue holds both keys: either one held answers deduplicated", async () => {
    const { queueUrl, client } = await rig("phantom-unique");
    const mail = defineJob({
      name: "mail",
      schema: z.object({ to: z.string(), n: z.number() }),
      fifo: { groupId: "g" },
      unique: { key: (p) => p.to, windowSeconds: 3600 },
    });
    const first = await client.send(mail, { to: "a", n: 1 });
    // Another payload, same unique key: held by the unique key
    expect(await client.send(mail, { to: "a", n: 2 })).toMatchObject({
      deduplicated: true,
      jobId: first.jobId,
    });
    // Another unique key, the same explicit deduplication id: held by the FIFO id
    const other = await client.send(mail, { to: "b", n: 1 }, { dedupId: "x" });
    expect(await client.send(mail, { to: "c", n: 1 }, { dedupId: "x" })).toMatchObject({
      deduplicated: true,
      jobId: other.jobId,
    });
    // The unique key "c" taken before the FIFO id was found held is given back
    expect(await client.send(mail, { to: "c", n: 1 })).toMatchObject({ deduplicated: false });
    expect(await drainQueue(sqs, queueUrl, { expect: 3 })).toHaveLength(3);
  });
});
