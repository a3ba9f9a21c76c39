import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, defineJob, JobClient } from "../../src/index.ts";
import { createTestQueue, queueDepth, testSqs } from "../helpers/sqs.ts";

const sqs = testSqs();
const ping = defineJob({ name: "ping", schema: z.object({ n: z.number() }) });

/** Everything the SDK reads to find a region or credentials, pointed at nothing. */
const CLEARED: Record<string, string | undefined> = {
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_PROFILE: undefined,
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_CONFIG_FILE: "/nonexistent/sqs-jobs-test/config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/sqs-jobs-test/credentials",
  AWS_EC2_METADATA_DISABLED: "true",
};

let saved: Record<string, string | undefined> = {};

beforeEach(() => {
  saved = Object.fromEntries(Object.keys(CLEARED).map((k) => [k, process.env[k]]));
});

afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

function setEnv(values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

describe("JobClient without AWS configuration", () => {
  it("throws ConfigError naming the region before any send, for send and sendBatch", async () => {
    // Given an environment with credentials but no region (AWS_DEFAULT_REGION is not read by the SDK)
    const queueUrl = await createTestQueue(sqs, "config-region");
    setEnv({
      ...CLEARED,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_DEFAULT_REGION: "us-east-1",
    });
    const jobs = new JobClient({ queueUrl });
    // When a job is sent, Then a ConfigError says what to set, and nothing reached the queue
    const error = await jobs.send(ping, { n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/no AWS region.*AWS_REGION/);
    const batch = await jobs.sendBatch(ping, [{ n: 1 }, { n: 2 }]).catch((e: unknown) => e);
    expect(batch).toBeInstanceOf(ConfigError);
    setEnv(saved);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("throws ConfigError naming the credentials before any send", async () => {
    // Given a region but no credentials anywhere the SDK looks
    const queueUrl = await createTestQueue(sqs, "config-credentials");
    setEnv({ ...CLEARED, AWS_REGION: "us-east-1" });
    const jobs = new JobClient({ queueUrl });
    // When a batch is sent, Then a ConfigError, not one error per item after many tries
    const started = Date.now();
    const error = await jobs.sendBatch(ping, [{ n: 1 }, { n: 2 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/no AWS credentials.*AWS_ACCESS_KEY_ID/);
    expect(Date.now() - started).toBeLessThan(5_000);
    setEnv(saved);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("sends once the environment provides both, as for a local producer against sqs-jobs dev", async () => {
    const queueUrl = await createTestQueue(sqs, "config-ok");
    setEnv({ ...CLEARED, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" });
    const jobs = new JobClient({ queueUrl });
    await jobs.send(ping, { n: 1 });
    setEnv(saved);
    expect(await queueDepth(sqs, queueUrl)).toMatchObject({ visible: 1 });
  });
});
