import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateQueueCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { type LocalEmulator, startLocalEmulator } from "../../tools/src/local/emulator.ts";

/** The emulator is built from fauxqs's parts (startFauxqs listens on 0.0.0.0); these pin them. */
const started: LocalEmulator[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(started.map((e) => e.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function start(dataDir?: string): Promise<{ emulator: LocalEmulator; sqs: SQSClient }> {
  const emulator = await startLocalEmulator({ dataDir });
  started.push(emulator);
  const sqs = new SQSClient({
    endpoint: `http://${emulator.host}:${emulator.port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
  return { emulator, sqs };
}

describe("the local emulator", () => {
  it("listens on 127.0.0.1", async () => {
    const { emulator } = await start();
    expect(emulator.host).toBe("127.0.0.1");
    expect(emulator.port).toBeGreaterThan(0);
  });

  it("keeps queues across restarts with a data directory, as startFauxqs does", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "sqs-jobs-emulator-"));
    dirs.push(dataDir);
    const first = await start(dataDir);
    await first.sqs.send(new CreateQueueCommand({ QueueName: "kept" }));
    await first.emulator.stop();
    first.sqs.destroy();

    const second = await start(dataDir);
    const { QueueUrls = [] } = await second.sqs.send(new ListQueuesCommand({}));
    second.sqs.destroy();
    expect(QueueUrls.map((url) => url.split("/").at(-1))).toEqual(["kept"]);
  });

  it("moves its clock: delays and visibility timeouts end sooner, except for the receipt handles kept", async () => {
    // Given a delayed message and two in-flight ones (one of them held by a running function)
    const { emulator, sqs } = await start();
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "clock" }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "held" }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "backoff" }));
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "delayed", DelaySeconds: 600 }));
    const held = Messages.find((m) => m.Body === "held")?.ReceiptHandle ?? "";
    const receive = async () =>
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 })))
        .Messages ?? [];
    // When the clock moves by less than the 600 s, nothing comes back; by all of it, all but the held one
    emulator.moveClock(599_000, new Set([held]));
    expect(await receive()).toEqual([]);
    emulator.moveClock(1_000, new Set([held]));
    expect((await receive()).map((m) => m.Body).sort()).toEqual(["backoff", "delayed"]);
    sqs.destroy();
  });
});
