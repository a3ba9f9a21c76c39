import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from "@aws-sdk/client-lambda";
import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevStack } from "../../tools/src/local/dev-stack.ts";
import { startTestDevStack, type TestDevStack } from "../helpers/dev-stack.ts";
import { drainQueue, queueDepth } from "../helpers/sqs.ts";

let dev: TestDevStack;
let stack: DevStack;
let sqs: SQSClient;
let lambda: LambdaClient;
const queueUrl = (prefix: string) => dev.queueUrl(prefix);

beforeAll(async () => {
  dev = await startTestDevStack({ appFile: "test/local/fixture-app/app.ts" });
  ({ stack, sqs } = dev);
  lambda = new LambdaClient(dev.client);
  // A warm function: a cold start on a busy machine can outlast Work's 2 s visibility timeout,
  // and the first job would then be received twice.
  const warm = await lambda.send(
    new InvokeCommand({ FunctionName: stack.functions[0]?.name, Payload: JSON.stringify({ Records: [] }) }),
  );
  expect(warm.FunctionError).toBeUndefined();
}, 120_000);

afterAll(async () => {
  lambda?.destroy();
  await dev?.stop();
});

describe("the local dev stack", () => {
  it("creates the template's queues with their attributes and the redrive policy to the local DLQ", async () => {
    expect(stack.queues.map((q) => q.logicalId).sort()).toEqual([
      "Control42E771B2",
      "DlqD1FAA4AD",
      "OutB8D7CCDD",
      "WorkBF636A8B",
    ]);
    const work = stack.queues.find((q) => q.logicalId.startsWith("Work"));
    const dlq = stack.queues.find((q) => q.logicalId.startsWith("Dlq"));
    expect(work?.url).toMatch(
      new RegExp(`:${new URL(stack.endpoint).port}/000000000000/DevFixture-WorkBF636A8B$`),
    );
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: work?.url,
        AttributeNames: ["VisibilityTimeout", "RedrivePolicy"],
      }),
    );
    expect(out.Attributes?.VisibilityTimeout).toBe("2");
    expect(JSON.parse(out.Attributes?.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: dlq?.arn,
      maxReceiveCount: 2,
    });
  });

  it("drives the real bundled handler like Lambda's poller, with its environment resolved locally", async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl("Work"), MessageBody: "hello" }));
    const [message] = await drainQueue(sqs, queueUrl("Out"), { expect: 1, quietMs: 10_000 });
    expect(JSON.parse(message?.Body ?? "{}")).toEqual({ body: "hello", arnMatches: true, receiveCount: "1" });
  });

  it("keeps only the records the function reports as failed, until the redrive policy moves them", async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl("Work"), MessageBody: "fail-me" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl("Work"), MessageBody: "fine" }));
    const out = await drainQueue(sqs, queueUrl("Out"), { expect: 1, quietMs: 5_000 });
    expect(out.map((m) => JSON.parse(m.Body ?? "{}").body)).toEqual(["fine"]);
    // Two receives (maxReceiveCount 2, visibility 2 s), then SQS moves it to the DLQ.
    const deadline = Date.now() + 20_000;
    while ((await queueDepth(sqs, queueUrl("Dlq"))).visible === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((await queueDepth(sqs, queueUrl("Dlq"))).visible).toBe(1);
    expect(dev.batches.some((b) => b.failed === 1)).toBe(true);
  }, 40_000);

  it("answers the Lambda API: a disabled mapping stops consuming while others go on, enabling it resumes", async () => {
    const { EventSourceMappings = [] } = await lambda.send(new ListEventSourceMappingsCommand({}));
    expect(EventSourceMappings).toHaveLength(2);
    const workArn = stack.queues.find((q) => q.logicalId.startsWith("Work"))?.arn;
    const mapping = EventSourceMappings.find((m) => m.EventSourceArn === workArn);
    expect(mapping?.State).toBe("Enabled");
    expect(mapping?.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(mapping?.BatchSize).toBe(5);

    // Given the Work mapping disabled, and the same function's Control mapping still on
    const paused = await lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: mapping?.UUID, Enabled: false }),
    );
    expect(paused.State).toBe("Disabled");
    // When a job goes to each queue, Work's first
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl("Work"), MessageBody: "while paused" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl("Control"), MessageBody: "control" }));
    // Then the control job runs (so the Work job had the time and the function to run too)...
    const ran = await drainQueue(sqs, queueUrl("Out"), { expect: 1, quietMs: 10_000 });
    expect(ran.map((m) => JSON.parse(m.Body ?? "{}").body)).toEqual(["control"]);
    // ...while the Work job waits in its queue, untouched
    expect(await queueDepth(sqs, queueUrl("Work"))).toMatchObject({ visible: 1, inFlight: 0 });

    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping?.UUID, Enabled: true }));
    const out = await drainQueue(sqs, queueUrl("Out"), { expect: 1, quietMs: 10_000 });
    expect(out.map((m) => JSON.parse(m.Body ?? "{}").body)).toEqual(["while paused"]);
  }, 30_000);
});

describe("the local dev stack, seen by other clients", () => {
  it("invokes a function directly through the Lambda API, with its response", async () => {
    const fn = stack.functions[0]?.name;
    const event = {
      Records: [{ messageId: "m1", body: "fail-direct", eventSourceARN: "x", attributes: {} }],
    };
    const out = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: JSON.stringify(event) }));
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(out.Payload ?? []).toString())).toEqual({
      batchItemFailures: [{ itemIdentifier: "m1" }],
    });
  });

  it("reports a handler that overruns the function timeout as Lambda does", async () => {
    const fn = stack.functions[0]?.name;
    const event = { Records: [{ messageId: "m2", body: "hang", eventSourceARN: "x", attributes: {} }] };
    const out = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: JSON.stringify(event) }));
    expect(out.FunctionError).toBe("Unhandled");
    expect(Buffer.from(out.Payload ?? []).toString()).toMatch(/Task timed out after 2.00 seconds/);
  }, 15_000);

  it("serves the AWS CLI (v1): queues, send and receive, and event source mappings", async () => {
    const run = promisify(execFile);
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: "t",
      AWS_SECRET_ACCESS_KEY: "t",
      AWS_DEFAULT_REGION: stack.region,
    };
    const aws = async (...args: string[]) =>
      JSON.parse(
        (await run("aws", ["--endpoint-url", stack.endpoint, "--output", "json", ...args], { env })).stdout ||
          "{}",
      );
    const queues = await aws("sqs", "list-queues");
    expect(queues.QueueUrls).toHaveLength(4);
    const dlq = stack.queues.find((q) => q.logicalId.startsWith("Out"))?.url ?? "";
    await aws("sqs", "send-message", "--queue-url", dlq, "--message-body", "from the aws cli");
    const received = await aws("sqs", "receive-message", "--queue-url", dlq, "--wait-time-seconds", "1");
    expect(received.Messages?.[0]?.Body).toBe("from the aws cli");
    const mappings = await aws("lambda", "list-event-source-mappings");
    const uuid = mappings.EventSourceMappings?.[0]?.UUID as string;
    expect((await aws("lambda", "update-event-source-mapping", "--uuid", uuid, "--no-enabled")).State).toBe(
      "Disabled",
    );
    expect((await aws("lambda", "update-event-source-mapping", "--uuid", uuid, "--enabled")).State).toBe(
      "Enabled",
    );
  }, 60_000);
});
