import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { createTestQueue, queueArn, testSqs } from "../helpers/sqs.ts";
import { runCli, widest } from "./run-cli.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

async function queueWithDlq(label: string) {
  const dlqUrl = await createTestQueue(sqs, `${label}-dlq`);
  const url = await createTestQueue(sqs, label, {
    attributes: {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: await queueArn(sqs, dlqUrl),
        maxReceiveCount: 10,
      }),
    },
  });
  return { url, dlqUrl, name: url.split("/").pop() ?? "" };
}

async function send(queueUrl: string, count: number, delaySeconds = 0) {
  for (let i = 0; i < count; i++) {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `{"n":${i}}`, DelaySeconds: delaySeconds }),
    );
  }
}

describe("sqs-jobs status", () => {
  it("reports the visible, in-flight, delayed and DLQ counts a test put in the queues", async () => {
    // Given a queue with 3 visible, 1 in flight, 2 delayed messages and 4 in its DLQ
    const q = await queueWithDlq("status");
    await send(q.url, 4);
    await send(q.url, 2, 600);
    await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 1, VisibilityTimeout: 600 }),
    );
    await send(q.dlqUrl, 4);

    // When status runs with --json
    const json = await runCli(["status", q.name, "--json"]);

    // Then every count matches; no consumer reads the queue (fauxqs has no Lambda API: unknown)
    expect(json.stderr).toBe("");
    expect(json.code).toBe(0);
    const [stats] = JSON.parse(json.stdout).queues;
    expect(stats).toMatchObject({ name: q.name, visible: 3, inFlight: 1, delayed: 2, dlq: { visible: 4 } });
    expect([undefined, 0]).toContain(stats.mappings?.length);

    // And the table shows the same numbers within 80 columns
    const table = await runCli(["status", q.url]);
    expect(table.code).toBe(0);
    expect(widest(table.stdout)).toBeLessThanOrEqual(80);
    const row = table.stdout.split("\n").find((line) => line.startsWith(q.name.slice(0, 10)));
    expect(row?.split(/\s+/).slice(1, 6)).toEqual(["3", "1", "2", "-", "4"]);
    expect(["-", "none"]).toContain(row?.split(/\s+/)[6]);
  });

  it("lists every queue of a prefix and folds each DLQ into its source's row", async () => {
    // Given two queues under one prefix, one with a DLQ
    const prefix = `st${Date.now().toString(36)}`;
    const a = await queueWithDlq(`${prefix}-a`);
    await createTestQueue(sqs, `${prefix}-b`);
    await send(a.dlqUrl, 2);

    // When status runs without queue arguments
    const run = await runCli(["status", "--prefix", prefix, "--json"]);

    // Then both source queues are listed and the DLQ is not a row of its own
    expect(run.code).toBe(0);
    const names: string[] = JSON.parse(run.stdout).queues.map((s: { name: string }) => s.name);
    expect(names).toHaveLength(2);
    expect(names.some((n) => n.includes("-dlq"))).toBe(false);
  });
});
