import { afterAll, describe, expect, it } from "vitest";
import { createTestQueue, testSqs } from "../helpers/sqs.ts";
import { runCli } from "./run-cli.ts";

const sqs = testSqs();
afterAll(() => sqs.destroy());

const STACK_LINE = /\n\s+at /;

describe("CLI errors", () => {
  it("an unknown queue name exits 1 with the queue named and no stack trace", async () => {
    const run = await runCli(["dlq", "peek", "no-such-queue-4f1c"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("queue no-such-queue-4f1c does not exist");
    expect(run.stderr).toContain("ERR_QUEUE_NOT_FOUND");
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("a queue with no DLQ, which no queue dead-letters into, exits 1 and says how to fix it", async () => {
    const url = await createTestQueue(sqs, "no-dlq");
    const run = await runCli(["dlq", "redrive", url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("has no dead-letter queue configured");
    expect(run.stderr).toContain("ERR_NO_DLQ");
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it("an unreachable endpoint exits 1 with a hint, and --debug adds the stack", async () => {
    // Given an endpoint where nothing listens (port 1 on loopback refuses at once)
    const env = { AWS_ENDPOINT_URL: "http://127.0.0.1:1" };

    // When status runs, with and without --debug
    const plain = await runCli(["status", "reports"], { env });
    const debug = await runCli(["status", "reports", "--debug"], { env });

    // Then both exit 1 naming the endpoint problem; only --debug shows where it came from
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("cannot reach the AWS endpoint (ECONNREFUSED)");
    expect(plain.stderr).not.toMatch(STACK_LINE);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(STACK_LINE);
  });

  it("missing credentials for a remote endpoint exit 1 and name the variables to set", async () => {
    const run = await runCli(["status", "reports"], {
      env: {
        AWS_ENDPOINT_URL: "http://sqs.example.invalid",
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_PROFILE: undefined,
        AWS_CONFIG_FILE: "/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("ERR_CREDENTIALS");
    expect(run.stderr).toContain("AWS_ACCESS_KEY_ID");
  });

  it("usage mistakes exit 2 and point at --help", async () => {
    const unknownCommand = await runCli(["frobnicate"]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "frobnicate"');

    const unknownOption = await runCli(["status", "--colour"]);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("--colour");
    expect(unknownOption.stderr).toContain("sqs-jobs status --help");

    const missingArg = await runCli(["dlq", "peek"]);
    expect(missingArg.code).toBe(2);
    expect(missingArg.stderr).toContain("missing argument");
  });

  it("every command has --help with examples, within 80 columns", async () => {
    for (const command of [
      ["dev"],
      ["status"],
      ["send"],
      ["dlq", "peek"],
      ["dlq", "redrive"],
      ["dlq", "purge"],
      ["dlq", "export"],
      ["pause"],
      ["resume"],
      ["jobs", "get"],
      ["jobs", "list"],
      ["schedules"],
      ["schedules", "run"],
    ]) {
      const run = await runCli([...command, "--help"]);
      expect(run.code, command.join(" ")).toBe(0);
      expect(run.stdout, command.join(" ")).toContain("Examples:");
      for (const line of run.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(80);
    }
  });
});
