import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { exportMessages } from "../../src/ops/export.ts";
import { peekDeadLetters } from "../../src/ops/peek.ts";
import { resolveDeadLetterPair } from "../../src/ops/queue-ref.ts";
import { redrive } from "../../src/ops/redrive.ts";
import { queueWithDlq, seedDeadLetter, TIMEOUT } from "../cli/dlq-fixtures.ts";
import { testSqs } from "../helpers/sqs.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

describe("looking at a dead letter", () => {
  it("shows the receive count from before the read, keeps the attempts, and leaves a redrive its full attempts", async () => {
    // Given a job the consumer dead-lettered after 5 attempts (a new message in the DLQ: 0 receives)
    const q = await queueWithDlq(sqs, "peek-count");
    await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);

    // When it is peeked, peeked again, then exported
    const [first] = await peekDeadLetters(sqs, q.dlqUrl);
    const [second] = await peekDeadLetters(sqs, q.dlqUrl);
    const file = join(tmpdir(), `peek-count-${Date.now()}-${process.pid}.jsonl`);
    await exportMessages(sqs, q.dlqUrl, file);
    const exported = JSON.parse((await readFile(file, "utf8")).trim());

    // Then each read shows the count as it was before that read (SQS cannot un-count the earlier
    // reads), no first-receive time made by a read, and the attempts the consumer recorded
    expect(first?.attributes.ApproximateReceiveCount).toBe("0");
    expect(first?.attributes).not.toHaveProperty("ApproximateFirstReceiveTimestamp");
    expect(second?.attributes.ApproximateReceiveCount).toBe("1");
    expect(second?.attributes.ApproximateFirstReceiveTimestamp).toEqual(expect.any(String));
    expect(exported.attributes.ApproximateReceiveCount).toBe("2");
    expect([first?.attempts, second?.attempts, exported.attempts]).toEqual([5, 5, 5]);

    // And a redrive after those reads gives the job all its attempts: its copy is received first
    const pair = await resolveDeadLetterPair(sqs, q.url);
    const moved = await redrive(sqs, { dlq: pair.dlq, sources: pair.sources, filter: { job: TIMEOUT.job } });
    expect(moved.moved).toBe(1);
    const back = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: q.url,
        MessageSystemAttributeNames: ["All"],
        WaitTimeSeconds: 1,
      }),
    );
    expect(back.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe("1");
  });
});
