import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { drainQueue, queueDepth } from "../helpers/sqs.ts";
import { type RunningCli, runCli, startCli } from "./run-cli.ts";

interface Ready {
  endpoint: string;
  queues: { logicalId: string; name: string; url: string }[];
  functions: { name: string }[];
}

const execFileAsync = promisify(execFile);
let outDir: string | undefined;
let dev: RunningCli;
let ready: Ready;
let sqs: SQSClient;

const queue = (prefix: string) => {
  const q = ready.queues.find((x) => x.logicalId.startsWith(prefix));
  if (q === undefined) throw new Error(`no queue ${prefix}`);
  return q;
};
const cli = (...args: string[]) => runCli(args, { env: { AWS_ENDPOINT_URL: ready.endpoint } });

/**
 * Synthesizes the local stack's fixture app into a directory of this test's own, so this file and
 * test/local (which synthesizes into the shared .sqs-jobs/cdk.out) never write the same files at
 * once; `dev --app DIR` then takes the assembly as it is.
 */
async function synthFixture(): Promise<string> {
  // Inside the repo (.sqs-jobs is git-ignored): the bundles leave @aws-sdk/* external, so they
  // must find node_modules above them.
  await mkdir(".sqs-jobs", { recursive: true });
  outDir = await mkdtemp(join(".sqs-jobs", "cli-test-"));
  await execFileAsync(resolve("node_modules/.bin/tsx"), ["test/local/fixture-app/app.ts"], {
    env: {
      ...process.env,
      CDK_OUTDIR: outDir,
      CDK_CONTEXT_JSON: JSON.stringify({ "aws:cdk:enable-asset-metadata": true }),
    },
  });
  return resolve(outDir);
}

beforeAll(async () => {
  dev = startCli(["dev", "--port", "0", "--app", await synthFixture(), "--json"]);
  ready = (await dev.firstJson) as Ready;
  sqs = new SQSClient({
    endpoint: ready.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
    useQueueUrlAsEndpoint: false,
  });
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await dev?.stop("SIGKILL");
  if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
});

describe("sqs-jobs dev with the other commands pointed at it", () => {
  it("pause keeps jobs in the queue, resume lets the consumer take them, status shows each state", async () => {
    const work = queue("Work");

    // Given the consumer is running
    const before = JSON.parse((await cli("status", work.name, "--json")).stdout).queues[0];
    expect(before.mappings).toEqual([expect.objectContaining({ state: "Enabled" })]);

    // When it is paused and a job is sent
    const paused = await cli("pause", work.name);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/-> DevFixture-Echo\w+: Disabl/);
    await sqs.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: "hello" }));
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    // Then the job waits in the queue and status shows the consumer off
    expect(await queueDepth(sqs, work.url)).toMatchObject({ visible: 1 });
    const table = await cli("status", work.name);
    expect(table.stdout).toMatch(new RegExp(`${work.name.slice(0, 10)}.*\\s1\\s.*\\soff`));

    // When it is resumed, the job is processed
    const resumed = await cli("resume", work.url);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/Enabl/);
    const out = await drainQueue(sqs, queue("Out").url, { expect: 1, quietMs: 15_000 });
    expect(out.map((m) => JSON.parse(m.Body ?? "{}").body)).toEqual(["hello"]);
  }, 60_000);

  it("a failing job reaches the DLQ, shows in dlq peek, and dlq redrive returns it", async () => {
    const work = queue("Work");
    const dlq = queue("Dlq");

    // Given a job the handler keeps failing (maxReceiveCount 2 moves it to the DLQ)
    await sqs.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: "fail-once-more" }));
    const depth = await eventually(
      () => queueDepth(sqs, dlq.url),
      (d) => d.visible === 1,
      45_000,
    );
    expect(depth.visible).toBe(1);

    // When peek runs, it names the DLQ and says SQS moved it (this handler records no reason)
    const peek = await cli("dlq", "peek", work.name);
    expect(peek.code).toBe(0);
    expect(peek.stdout).toContain(dlq.name);
    expect(peek.stdout).toContain("moved by SQS");

    // And pausing first lets redrive put it back where it waits to be seen
    await cli("pause", work.name);
    const redrive = await cli("dlq", "redrive", work.name, "--json");
    expect(redrive.code).toBe(0);
    expect(JSON.parse(redrive.stdout)).toMatchObject({ moved: 1, failed: 0 });
    const back = await eventually(
      () => queueDepth(sqs, work.url),
      (d) => d.visible === 1,
      10_000,
    );
    expect(back.visible).toBe(1);
    await cli("resume", work.name);
  }, 90_000);

  it("stops cleanly on Ctrl-C with exit code 0", async () => {
    const result = await dev.stop("SIGINT");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"type":"stopped"');
  }, 30_000);
});
