import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { queueDepth, testSqs } from "../helpers/sqs.ts";
import { queueWithDlq, seedDeadLetter, TIMEOUT } from "./dlq-fixtures.ts";
import { runCli } from "./run-cli.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

/**
 * Once the scan has begun (a message is in flight), adds dead letters to `dlqUrl` as fast as the
 * emulator takes them until `stop` resolves.
 */
async function keepFilling(client: SQSClient, dlqUrl: string, stop: Promise<unknown>): Promise<number> {
  let stopped = false;
  void stop.then(() => {
    stopped = true;
  });
  while (!stopped && (await queueDepth(client, dlqUrl)).inFlight === 0) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  let sent = 0;
  while (!stopped) {
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: `late-${sent + i}` })),
      }),
    );
    sent += 10;
  }
  return sent;
}

describe("dlq export reads what the DLQ held at its start", () => {
  it("ends with the messages counted at start while new dead letters keep arriving", async () => {
    // Given a DLQ with five dead jobs
    const q = await queueWithDlq(sqs, "export-bound");
    for (let i = 0; i < 5; i++) await seedDeadLetter(sqs, q.dlqUrl, q.url, TIMEOUT);
    const out = join(await mkdtemp(join(tmpdir(), "sqs-jobs-export-")), "dlq.jsonl");

    // When it is exported while a failing consumer keeps adding dead letters
    const exported = runCli(["dlq", "export", q.name, "--out", out], { timeoutMs: 20_000 });
    const sent = await keepFilling(sqs, q.dlqUrl, exported);
    const run = await exported;

    // Then the export ends on its own with at most the five messages it was asked for
    expect(run.code, `${run.stderr} (code null: killed after 20 s; ${sent} late messages sent)`).toBe(0);
    const lines = (await readFile(out, "utf8")).trim().split("\n");
    expect(lines.length).toBeLessThanOrEqual(5);
    // And nothing stays hidden once it is done
    expect((await queueDepth(sqs, q.dlqUrl)).inFlight).toBe(0);
  }, 30_000);
});
