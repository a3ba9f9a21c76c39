import { Duration } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { describe, expect, it } from "vitest";
import { esbuildFound } from "../../cdk/lib/bundling.ts";
import { JobQueue, JobQueueConfigError, type JobQueueProps } from "../../cdk/lib/index.ts";
import { resolveSettings } from "../../cdk/lib/settings.ts";
import { ConfigError } from "../../src/index.ts";
import { FIXTURE_ENTRY, inlineFunction, job, testStack } from "./stack.ts";

/** The problems JobQueue reports for these props (none when it is created). */
function problemsOf(props: Partial<JobQueueProps>, consumer?: "inline" | "imported"): readonly string[] {
  const stack = testStack();
  const base: JobQueueProps = { jobs: [job("a-job")], entry: FIXTURE_ENTRY };
  const given = { ...base, ...props };
  if (consumer === "inline") given.consumer = inlineFunction(stack, "Fn", Duration.seconds(30));
  if (consumer === "imported")
    given.consumer = lambda.Function.fromFunctionName(stack, "Fn", "existing-function");
  if (consumer !== undefined && !("entry" in props)) delete (given as { entry?: string }).entry;
  try {
    new JobQueue(stack, "Q", given);
    return [];
  } catch (error) {
    if (!(error instanceof JobQueueConfigError)) throw error;
    return error.problems;
  }
}

describe("JobQueue validation", () => {
  it.each<[string, Partial<JobQueueProps>, RegExp]>([
    ["no jobs", { jobs: [] }, /jobs must list at least one job definition/],
    ["duplicate jobs", { jobs: [job("same"), job("same")] }, /jobs must have unique names, but same appear/],
    ["a name with no letters", { name: "--" }, /name must contain letters or digits/],
    ["no consumer", { entry: undefined }, /exactly one of entry .* but neither was provided/],
    ["a bad queue name", { queueName: "has space" }, /queueName must be 1-80 letters/],
    ["a .fifo name on a standard queue", { queueName: "q.fifo" }, /ends with "\.fifo" but fifo is not set/],
    ["content dedup on a standard queue", { contentBasedDeduplication: true }, /only to FIFO queues/],
    [
      "batch size 0",
      { batchSize: 0 },
      /batchSize must be an integer between 1 and 10,000, but 0 was provided/,
    ],
    [
      "a batching window on FIFO",
      { fifo: true, maxBatchingWindow: Duration.seconds(1) },
      /maxBatchingWindow is not supported on FIFO queues/,
    ],
    [
      "batch size above 10 on FIFO",
      { fifo: true, batchSize: 11 },
      /batchSize must be an integer between 1 and 10 on a FIFO queue, but 11 was provided/,
    ],
    [
      "batch size above 10 without a window",
      { batchSize: 50 },
      /batchSize above 10 needs a maxBatchingWindow of at least 1 second, but 50 was provided/,
    ],
    [
      "a window above 5 minutes",
      { maxBatchingWindow: Duration.seconds(301) },
      /maxBatchingWindow must be an integer between 0 and 300 seconds, but 301 was provided/,
    ],
    [
      "maxConcurrency 1",
      { maxConcurrency: 1 },
      /maxConcurrency must be an integer between 2 and 1,000, but 1 was/,
    ],
    ["maxConcurrency 1001", { maxConcurrency: 1001 }, /maxConcurrency .* but 1,001 was provided/],
    [
      "too few provisioned pollers",
      { pollers: { min: 1, max: 20 } },
      /pollers\.min must be an integer between 2 and 200, but 1 was provided/,
    ],
    [
      "too many provisioned pollers",
      { pollers: { min: 2, max: 2001 } },
      /pollers\.max must be an integer between 2 and 2,000, but 2,001 was provided/,
    ],
    [
      "fewer provisioned pollers at most than at least",
      { pollers: { min: 10, max: 5 } },
      /pollers\.min must be at most pollers\.max, but 10 > 5 was provided/,
    ],
    [
      "a function timeout above 15 minutes",
      { timeout: Duration.minutes(16) },
      /timeout must be an integer between 1 and 900 seconds, but 960 was provided/,
    ],
    [
      "a function timeout below the job timeout",
      { jobs: [job("slow", 120)], timeout: Duration.seconds(60) },
      /timeout must be at least the longest job timeout \(120 seconds\), but 60 was provided/,
    ],
    [
      "a visibility timeout below the function timeout",
      { visibilityTimeout: Duration.seconds(20) },
      /visibilityTimeout must be at least the function timeout \(40 seconds; .* = 240\), but 20 was provided/,
    ],
    [
      "a visibility timeout above 12 hours",
      { visibilityTimeout: Duration.seconds(50_000) },
      /visibilityTimeout must be an integer between 0 and 43,200 seconds, but 50,000 was provided/,
    ],
    [
      "maxReceiveCount not above maxAttempts",
      { jobs: [job("a", 30, 8)], maxReceiveCount: 8 },
      /maxReceiveCount must be above the largest retry.maxAttempts of the jobs \(8\)/,
    ],
    [
      "maxReceiveCount above 1,000",
      { maxReceiveCount: 1001 },
      /maxReceiveCount must be an integer between 1 and 1,000/,
    ],
    [
      "a retention above 14 days",
      { retentionPeriod: Duration.days(15) },
      /retentionPeriod must be an integer between 60 and 1,209,600 seconds, but 1,296,000 was provided/,
    ],
    [
      "memory below 128 MB",
      { memorySize: 64 },
      /memorySize must be an integer between 128 and 10,240 MB, but 64/,
    ],
    [
      "Node.js 20",
      { runtime: lambda.Runtime.NODEJS_20_X },
      /runtime must be Node.js 22 or newer .* nodejs20.x was/,
    ],
    ["a Python runtime", { runtime: lambda.Runtime.PYTHON_3_13 }, /runtime must be Node.js 22 or newer/],
    [
      "a DLQ threshold of 0",
      { alarms: { dlqDepthThreshold: 0 } },
      /alarms.dlqDepthThreshold must be an integer between 1/,
    ],
    [
      "an age threshold beyond retention",
      { alarms: { ageOfOldestMessage: Duration.days(5) } },
      /alarms.ageOfOldestMessage must be an integer between 60 and 345,600 seconds/,
    ],
  ])("refuses %s", (_, props, expected) => {
    // Given props with one mistake, When the queue is created, Then that mistake is reported
    const problems = problemsOf(props);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it("refuses function options with an existing function", () => {
    const problems = problemsOf({ timeout: Duration.seconds(60), memorySize: 256 }, "inline");
    expect(problems).toEqual([
      "timeout applies only to a function created from entry; set it on the consumer function you pass",
      "memorySize applies only to a function created from entry; set it on the consumer function you pass",
    ]);
  });

  it("refuses both an entry and a function", () => {
    expect(problemsOf({ entry: FIXTURE_ENTRY }, "inline")).toEqual([
      expect.stringMatching(/exactly one of entry .* but both were provided/),
    ]);
  });

  it("refuses an existing function whose timeout is shorter than a job's", () => {
    expect(problemsOf({ jobs: [job("slow", 60)] }, "inline")).toEqual([
      expect.stringMatching(/at least the longest job timeout \(60 seconds\), but 30 was provided/),
    ]);
  });

  it("asks for a visibility timeout with an imported function", () => {
    expect(problemsOf({}, "imported")).toEqual([expect.stringMatching(/visibilityTimeout is required/)]);
  });

  it("reports every problem at once in one typed error", () => {
    // Given props with several mistakes
    const stack = testStack();
    const create = () =>
      new JobQueue(stack, "Broken", {
        jobs: [job("a")],
        entry: FIXTURE_ENTRY,
        fifo: true,
        batchSize: 20,
        maxBatchingWindow: Duration.seconds(5),
        maxConcurrency: 1,
        timeout: Duration.minutes(20),
      });
    // When the queue is created, Then one error lists them all
    const error = (() => {
      try {
        create();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(JobQueueConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as JobQueueConfigError;
    expect(e.code).toBe("ERR_CONFIG");
    expect(e.problems).toHaveLength(4);
    expect(e.message).toMatch(/^JobQueue Test\/Broken has 4 problems:\n {2}- batchSize/);
  });
});

describe("JobQueue without esbuild", () => {
  const props: JobQueueProps = { jobs: [job("a-job")], entry: FIXTURE_ENTRY };

  it("refuses to bundle an entry rather than let CDK fall back to docker build", () => {
    // Given no esbuild where aws-cdk-lib looks for it, When the settings are resolved
    const { problems } = resolveSettings("Q", props, { kind: "entry", esbuildFound: false });
    // Then the one problem says what to install
    expect(problems).toEqual([expect.stringMatching(/esbuild.*`npm i -D esbuild`/)]);
  });

  it("lets Docker bundling be chosen explicitly, and needs no esbuild for an existing function", () => {
    const docker = { ...props, bundling: { forceDockerBundling: true } };
    expect(resolveSettings("Q", docker, { kind: "entry", esbuildFound: false }).problems).toEqual([]);
    const existing = { jobs: props.jobs, consumer: {} as lambda.IFunction };
    expect(resolveSettings("Q", existing, { kind: "function", timeoutSeconds: 30 }).problems).toEqual([]);
  });

  it("finds the esbuild this repo installs", () => {
    expect(esbuildFound()).toBe(true);
  });
});
