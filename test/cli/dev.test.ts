import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliCommand } from "../../tools/src/cli/commands/dev.ts";
import { eventually } from "../helpers/eventually.ts";
import { fixtureAssembly } from "../helpers/fixture-assembly.ts";
import { drainQueue, queueDepth } from "../helpers/sqs.ts";
import { devOutput } from "./dev-app.ts";
import { type RunningCli, runCli, startCli } from "./run-cli.ts";

interface Ready {
  endpoint: string;
  environment: Record<string, string>;
  queues: { logicalId: string; name: string; url: string }[];
  functions: { name: string }[];
}

let assembly: string;
/** Where --write-env writes: the assembly is shared with other files, never written into. */
let envDir: string | undefined;
let dev: RunningCli;
let ready: Ready;
let sqs: SQSClient;

const queue = (prefix: string) => {
  const q = ready.queues.find((x) => x.logicalId.startsWith(prefix));
  if (q === undefined) throw new Error(`no queue ${prefix}`);
  return q;
};
const cli = (...args: string[]) => runCli(args, { env: { AWS_ENDPOINT_URL: ready.endpoint } });

beforeAll(async () => {
  assembly = await fixtureAssembly("test/local/fixture-app/app.ts");
  envDir = await mkdtemp(join(tmpdir(), "sqs-jobs-dev-env-"));
  dev = startCli(["dev", "--port", "0", "--app", assembly, "--json", "--write-env", join(envDir, "dev.env")]);
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
  // SIGINT, not SIGKILL: a stopped stack removes the copies of its functions' code.
  await dev?.stop("SIGINT");
  if (envDir !== undefined) await rm(envDir, { recursive: true, force: true });
});

describe("sqs-jobs dev tells a user how to reach it", () => {
  it("prints each queue's URL, the producer's variables and commands to paste", async () => {
    // When a person starts it from this repository (npm start / npm run sqs-jobs)
    const repo = await devOutput(["--port", "0", "--app", assembly], {
      npm_package_name: "sqs-jobs",
      npm_lifecycle_event: "start",
    });
    expect(repo.code, repo.stderr).toBe(0);
    const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(repo.stdout)?.[1];
    // Then every queue is listed with a URL a default client can use
    expect(repo.stdout).toMatch(
      new RegExp(`DevFixture-WorkBF636A8B\\s+${endpoint}/000000000000/DevFixture-WorkBF636A8B`),
    );
    // And the variables a producer needs, one export per line, then a command that works here
    expect(repo.stdout).toContain(`  export AWS_ENDPOINT_URL=${endpoint}\n`);
    expect(repo.stdout).toContain("  export AWS_REGION=us-east-1\n");
    expect(repo.stdout).toContain("  export AWS_ACCESS_KEY_ID=test\n");
    expect(repo.stdout).toContain(
      `  export SQS_JOBS_DEVFIXTURE_WORKBF636A8B_QUEUE_URL=${endpoint}/000000000000/DevFixture-WorkBF636A8B\n`,
    );
    expect(repo.stdout).not.toContain("SQS_JOBS_DEVFIXTURE_DLQ");
    expect(repo.stdout).toContain("  npm run sqs-jobs -- status\n");
    expect(repo.stdout).not.toMatch(/^ {2}sqs-jobs status$/m);
    // And the dashboard's URL on the same port, with its token
    expect(repo.stdout).toMatch(
      new RegExp(`^Dashboard .*: ${endpoint}/_sqs-jobs/dashboard/#token=[\\w-]{32}$`, "m"),
    );
  }, 60_000);

  it("prints npx commands where sqs-jobs is an installed package", () => {
    expect(cliCommand({ npm_package_name: "my-app", npm_lifecycle_event: "dev" })).toBe("npx sqs-jobs");
    expect(cliCommand({ npm_command: "exec" })).toBe("npx sqs-jobs");
    expect(cliCommand({ npm_package_name: "sqs-jobs", npm_lifecycle_event: "sqs-jobs" })).toBe(
      "npm run sqs-jobs --",
    );
  });

  it("writes the same variables to --write-env", async () => {
    const written = await readFile(join(envDir ?? "", "dev.env"), "utf8");
    const lines = Object.entries(ready.environment).map(([key, value]) => `${key}=${value}`);
    expect(written).toBe(`${lines.join("\n")}\n`);
    expect(ready.environment).toMatchObject({
      AWS_ENDPOINT_URL: ready.endpoint,
      AWS_REGION: "us-east-1",
      SQS_JOBS_DEVFIXTURE_WORKBF636A8B_QUEUE_URL: queue("Work").url,
    });
  });

  it("says at once that the port is taken, before synthesizing the app", async () => {
    // Given a running dev on a port, when a second one starts on it with an app that takes 30 s
    const port = new URL(ready.endpoint).port;
    const second = await devOutput(["--port", port, "--app", "sleep 30"]);
    // Then it fails within seconds, naming the port and the option
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(second.stderr).toContain("--port");
    expect(second.ms).toBeLessThan(15_000);
  }, 30_000);
});

describe("sqs-jobs dev with the other commands pointed at it", () => {
  it("pause keeps jobs in the queue, resume lets the consumer take them, status shows each state", async () => {
    const work = queue("Work");

    // Given the consumer is running
    const before = JSON.parse((await cli("status", work.name, "--json")).stdout).queues[0];
    expect(before.mappings).toEqual([expect.objectContaining({ state: "Enabled" })]);

    // When it is paused and a job is sent, then one to the same function's Control queue
    const paused = await cli("pause", work.name);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/-> DevFixture-Echo\w+: Disabl/);
    await sqs.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: "hello" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue("Control").url, MessageBody: "control" }));

    // Then the control job runs (the paused one had the time and the function to run too),
    // the paused job waits in the queue, and status shows the consumer off
    const ran = await drainQueue(sqs, queue("Out").url, { expect: 1, quietMs: 15_000 });
    expect(ran.map((m) => JSON.parse(m.Body ?? "{}").body)).toEqual(["control"]);
    expect(await queueDepth(sqs, work.url)).toMatchObject({ visible: 1, inFlight: 0 });
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
