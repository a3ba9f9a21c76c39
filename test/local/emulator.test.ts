import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { type LocalEmulator, startLocalEmulator } from "../../src/local/emulator.ts";

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
});
