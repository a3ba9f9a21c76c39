import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { fixtureAssembly } from "../helpers/fixture-assembly.ts";
import { queueDepth } from "../helpers/sqs.ts";
import { type RunningCli, runCli, startCli } from "./run-cli.ts";

interface Ready {
  endpoint: string;
  queues: { logicalId: string; name: string; url: string }[];
}

const JOBS = "test/cli/fixtures/always-fails/jobs.ts";
let dev: RunningCli;
let ready: Ready;
let sqs: SQSClient;

const dlqUrl = () => {
  const q = ready.queues.find((x) => /dlq|deadletter/i.test(x.logicalId));
  if (q === undefined) throw new Error(`no DLQ among ${ready.queues.map((x) => x.logicalId).join(", ")}`);
  return q.url;
};
const cli = (args: string[], timeoutMs = 30_000) =>
  runCli(args, { env: { AWS_ENDPOINT_URL: ready.endpoint }, timeoutMs });

/** Sends `count` jobs that the consumer dead-letters at once, and waits until all are in the DLQ. */
async function deadLetter(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const sent = await cli([
      "send",
      "reports",
      "build-report",
      "--jobs",
      JOBS,
      "--payload",
      `{"fileKey":"k${i}"}`,
    ]);
    expect(sent.code, sent.stderr).toBe(0);
  }
  await eventually(
    () => queueDepth(sqs, dlqUrl()),
    (d) => d.visible === count && d.inFlight === 0,
    30_000,
  );
}

beforeAll(async () => {
  const assembly = await fixtureAssembly("test/cli/fixtures/always-fails/app.ts");
  dev = startCli(["dev", "--port", "0", "--app", assembly, "--json"]);
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
});

describe("a client-side redrive of jobs that fail again at once (sqs-jobs dev)", () => {
  it.each([
    ["filtered", ["--job", "build-report"]],
    ["unfiltered (fauxqs has no move task)", []],
  ])(
    "%s: moves each job in the DLQ at start once, then exits",
    async (_, filter) => {
      // Given three jobs in the DLQ whose handler dead-letters them again within milliseconds
      await deadLetter(3);

      // When they are redriven while the consumer runs
      const started = Date.now();
      const run = await cli(["dlq", "redrive", "reports", ...filter, "--json"]);

      // Then the command ends on its own, having moved three messages, not copies of copies
      expect(run.code, `${run.stderr}\n(killed after ${Date.now() - started} ms if code is null)`).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ moved: 3, failed: 0 });

      // And the DLQ ends up with the same three jobs (they failed again), no duplicates
      const after = await eventually(
        () => queueDepth(sqs, dlqUrl()),
        (d) => d.visible + d.inFlight === 3,
        30_000,
      );
      expect(after.visible + after.inFlight).toBe(3);
      const peek = await cli(["dlq", "peek", "reports", "--json", "--limit", "10"]);
      const keys = JSON.parse(peek.stdout).records.map(
        (m: { body: string }) => JSON.parse(m.body).payload.fileKey,
      );
      expect(keys.sort()).toEqual(["k0", "k1", "k2"]);
      await cli(["dlq", "purge", "reports", "--yes"]);
    },
    90_000,
  );
});
