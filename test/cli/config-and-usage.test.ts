import { readFile } from "node:fs/promises";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { createTestQueue, queueArn, testSqs } from "../helpers/sqs.ts";
import { runCli, widest } from "./run-cli.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

/** No AWS set-up at all: no keys, no profile, no config files, no instance metadata. */
const BARE = {
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_PROFILE: undefined,
  AWS_CONFIG_FILE: "/nonexistent",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
  AWS_EC2_METADATA_DISABLED: "true",
};

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

describe("region and endpoint, resolved as the AWS SDK does", () => {
  it("works against a local endpoint when only AWS_DEFAULT_REGION is set (the SDK ignores it)", async () => {
    const url = await createTestQueue(sqs, "default-region");
    const run = await runCli(["status", url], { env: { ...BARE, AWS_DEFAULT_REGION: "eu-west-1" } });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  });

  it("against a remote endpoint with only AWS_DEFAULT_REGION, says the SDK reads AWS_REGION", async () => {
    const run = await runCli(["status", "reports"], {
      env: {
        ...BARE,
        AWS_DEFAULT_REGION: "eu-west-1",
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret",
        AWS_ENDPOINT_URL: "http://sqs.example.invalid",
      },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no AWS region is configured");
    expect(run.stderr).toContain("AWS_DEFAULT_REGION is set, but the AWS SDK reads AWS_REGION");
  });

  it.each([
    [["--endpoint", "notaurl"], {}, 2, '--endpoint "notaurl" is not an http(s) URL'],
    [["--endpoint", "localhost:4566"], {}, 2, '--endpoint "localhost:4566" is not an http(s) URL'],
    [[], { AWS_ENDPOINT_URL: "notaurl" }, 1, 'AWS_ENDPOINT_URL "notaurl" is not an http(s) URL'],
  ])("a bad endpoint %j %j is reported as such, not as a missing region", async (args, env, code, text) => {
    const run = await runCli(["status", "reports", ...args], { env: { ...BARE, ...env } });
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(text);
    expect(run.stderr).not.toContain("region");
  });
});

describe("command line", () => {
  it("an unknown option gets a clean one-line error and the usage hint, no parser text", async () => {
    const run = await runCli(["status", "--bogus"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "error: unknown option --bogus for sqs-jobs status\nrun `sqs-jobs status --help` for usage and examples\n",
    );
    const missing = await runCli(["send", "reports", "build-report", "--payload"]);
    expect(missing.stderr).toContain("error: --payload needs a value\n");
  });

  it("--version prints the package version", async () => {
    const { version } = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    const run = await runCli(["--version"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
  });

  it("`dlq --help` lists the subcommands with their summaries in one aligned column", async () => {
    const run = await runCli(["dlq", "--help"]);
    expect(run.code).toBe(0);
    const rows = run.stdout.split("\n").filter((l) => l.startsWith("  dlq "));
    expect(rows).toHaveLength(4);
    const starts = rows.map((l) => /^ {2}dlq \S+\s+/.exec(l)?.[0].length);
    expect(new Set(starts).size).toBe(1);
    expect(widest(run.stdout)).toBeLessThanOrEqual(80);
    expect(widest((await runCli(["--help"])).stdout)).toBeLessThanOrEqual(80);
  });

  it("send --help's examples use the example app's queues, jobs and payload shapes", async () => {
    const run = await runCli(["send", "--help"]);
    const examples = run.stdout.slice(run.stdout.indexOf("Examples:"));
    const sends = examples.match(/sqs-jobs send [^\n]*(\\\n[^\n]*)*/g) ?? [];
    expect(sends.length).toBeGreaterThan(0);
    for (const line of sends)
      expect(line).toMatch(/^sqs-jobs send (reports build-report|email(\.fifo)? send-email) /);
    expect(examples).toContain('"inputKey":"inputs/');
    expect(examples).toContain('"to":"');
    expect(examples).not.toContain("fileKey");
    expect(examples).not.toContain("emails.fifo");
  });
});

describe("status --fail-on-dlq", () => {
  it("exits 3 when a DLQ holds messages (even only in flight), 0 when none does", async () => {
    // Given a queue whose DLQ is empty
    const q = await queueWithDlq("fail-on-dlq");
    const clean = await runCli(["status", q.name, "--fail-on-dlq"]);
    expect(clean.code).toBe(0);

    // When a job is dead-lettered, and someone is peeking at it (in flight, not visible)
    await sqs.send(new SendMessageCommand({ QueueUrl: q.dlqUrl, MessageBody: "{}" }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.dlqUrl, VisibilityTimeout: 600 }));

    // Then the check fails with its own code and names the DLQ; without the flag status still exits 0
    const dirty = await runCli(["status", q.name, "--fail-on-dlq"]);
    expect(dirty.code).toBe(3);
    expect(dirty.stderr).toContain(`${q.dlqUrl.split("/").pop()} holds 1 message`);
    expect((await runCli(["status", q.name])).code).toBe(0);
  });
});
