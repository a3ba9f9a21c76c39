import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeEnvelope } from "../../src/core/envelope.ts";
import { createTestQueue, drainQueue, queueDepth, testSqs } from "../helpers/sqs.ts";
import { runCli } from "./run-cli.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());
const JOBS = "test/cli/fixtures/jobs.ts";

describe("sqs-jobs send", () => {
  it("sends a payload its job's schema accepts, as an envelope with the job attribute", async () => {
    // Given a queue and the jobs module
    const url = await createTestQueue(sqs, "send-ok");

    // When a valid payload is sent by queue name with --jobs
    const run = await runCli([
      "send",
      url.split("/").pop() ?? "",
      "build-report",
      "--jobs",
      JOBS,
      "--payload",
      '{"fileKey":"a.csv","pages":3}',
    ]);

    // Then the CLI says so and the queue holds one envelope for that job
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^sent build-report job [0-9a-f-]{36} to send-ok/);
    const [message] = await drainQueue(sqs, url, { expect: 1 });
    expect(decodeEnvelope(message?.Body ?? "")).toMatchObject({
      job: "build-report",
      payload: { fileKey: "a.csv", pages: 3 },
    });
    expect(message?.MessageAttributes?.["sqs-jobs.job"]?.StringValue).toBe("build-report");
  });

  it("refuses a payload that fails the schema, lists every issue and sends nothing", async () => {
    // Given a queue
    const url = await createTestQueue(sqs, "send-invalid");

    // When the payload misses one field and has the wrong type in another
    const run = await runCli(["send", url, "build-report", "--jobs", JOBS, "--payload", '{"pages":"three"}']);

    // Then the exit code is 1, both paths are named, no stack trace, and the queue stays empty
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('payload for job "build-report" is invalid; nothing was sent');
    expect(run.stderr).toMatch(/fileKey: /);
    expect(run.stderr).toMatch(/pages: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await queueDepth(sqs, url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("names the jobs a module exports when the job is not among them", async () => {
    const url = await createTestQueue(sqs, "send-unknown-job");
    const run = await runCli(["send", url, "resize-image", "--jobs", JOBS, "--payload", "{}"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'exports no job named "resize-image"; it exports "build-report", "send-email"',
    );
  });

  it("sends without --jobs as-is, from a file, with a warning on stderr", async () => {
    // Given a payload file and a FIFO queue
    const dir = await mkdtemp(join(tmpdir(), "sqs-jobs-send-"));
    await writeFile(join(dir, "payload.json"), '{"anything": [1, 2]}');
    const url = await createTestQueue(sqs, "send-raw", { fifo: true });

    // When it is sent without a jobs module, with a group id
    const run = await runCli([
      "send",
      url,
      "legacy-job",
      "--payload",
      `@${join(dir, "payload.json")}`,
      "--group-id",
      "g1",
    ]);

    // Then it arrives unchanged in an envelope, in its group, and the user was warned
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("without schema validation");
    const [message] = await drainQueue(sqs, url, { expect: 1 });
    expect(decodeEnvelope(message?.Body ?? "")).toMatchObject({
      job: "legacy-job",
      payload: { anything: [1, 2] },
    });
    expect(message?.Attributes?.MessageGroupId).toBe("g1");
  });

  it("finds a FIFO queue by its name without the .fifo suffix", async () => {
    // Given a FIFO queue (SQS requires the suffix in its name)
    const url = await createTestQueue(sqs, "send-bare", { fifo: true });
    const bare = (url.split("/").pop() ?? "").replace(/\.fifo$/, "");

    // When it is named without the suffix
    const run = await runCli(["send", bare, "legacy-job", "--payload", "{}", "--group-id", "g1"]);

    // Then the job goes to the FIFO queue
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`to ${bare}.fifo`);
    await drainQueue(sqs, url, { expect: 1 });
  });

  it("names the queue it could not find when neither the name nor name.fifo exists", async () => {
    const run = await runCli(["send", "no-such-queue-7f3a", "x", "--payload", "{}"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no-such-queue-7f3a");
  });

  it("rejects a payload that is not JSON as a usage error (exit 2)", async () => {
    const url = await createTestQueue(sqs, "send-bad-json");
    const run = await runCli(["send", url, "x", "--payload", "{nope"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--payload is not valid JSON");
    expect(run.stderr).toContain("sqs-jobs send --help");
  });
});
