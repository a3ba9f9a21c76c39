import {
  GetEventSourceMappingCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevStack } from "../../tools/src/local/dev-stack.ts";
import { rawStatusLine } from "../helpers/raw-request.ts";
import { type RawAnswer, rawRequest, startOneFunctionStack } from "./one-function-stack.ts";

/**
 * Garbage sent to the local APIs: each answer is AWS's (400 and its error type, in the service's
 * format), never a 500, and the stack goes on serving, its clock included.
 */

let stack: DevStack;
let lambda: LambdaClient;
let mappingUuid: string;

beforeAll(async () => {
  stack = await startOneFunctionStack(async () => ({ batchItemFailures: [] }));
  lambda = new LambdaClient({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  mappingUuid = stack.functions[0]?.eventSources[0]?.uuid ?? "";
}, 30_000);

afterAll(async () => {
  lambda?.destroy();
  await stack?.stop();
});

const scheduler = (method: string, path: string, body?: string) =>
  rawRequest(stack, method, path, { service: "scheduler", ...(body === undefined ? {} : { body }) });
const lambdaApi = (method: string, path: string, body?: string) =>
  rawRequest(stack, method, path, { service: "lambda", ...(body === undefined ? {} : { body }) });

/** A 400 ValidationException whose message is AWS's "N validation error(s) detected: ...". */
function expectValidation(answer: RawAnswer, field: "Message" | "message", ...parts: string[]): void {
  expect(answer.status, answer.body).toBe(400);
  expect(answer.errorType).toBe("ValidationException");
  const message = String((JSON.parse(answer.body) as Record<string, unknown>)[field]);
  expect(message).toMatch(/^\d+ validation errors? detected: /);
  for (const part of parts) expect(message).toContain(part);
}

const target = {
  Arn: "arn:aws:sqs:us-east-1:000000000000:work",
  RoleArn: "arn:aws:iam::000000000000:role/scheduler",
};

describe("the local Scheduler API on bad input", () => {
  it("answers a null CreateSchedule body with the members that must not be null", async () => {
    const answer = await scheduler("POST", "/schedules/nulled", "null");
    expectValidation(
      answer,
      "Message",
      "Value null at 'scheduleExpression' failed to satisfy constraint: Member must not be null",
      "Value null at 'target' failed to satisfy constraint: Member must not be null",
    );
    expect((await scheduler("GET", "/schedules/nulled")).status).toBe(404);
  });

  it("answers a name that is not URL-decodable (%zz) with the name's pattern, on every method", async () => {
    for (const method of ["GET", "DELETE", "POST"]) {
      const answer = await scheduler(
        method,
        "/schedules/%zz",
        method === "POST"
          ? JSON.stringify({ ScheduleExpression: "rate(5 minutes)", Target: target })
          : undefined,
      );
      expectValidation(
        answer,
        "Message",
        "Value '%zz' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+",
      );
    }
  });

  it("answers fields of the wrong type or out of range, all at once", async () => {
    const answer = await scheduler(
      "POST",
      "/schedules/typed",
      JSON.stringify({
        ScheduleExpression: 5,
        State: "PAUSED",
        ActionAfterCompletion: "ARCHIVE",
        StartDate: 1e300,
        Target: { ...target, Input: { not: "a string" } },
      }),
    );
    expectValidation(
      answer,
      "Message",
      "at 'scheduleExpression'",
      "Value 'PAUSED' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
      "Value 'ARCHIVE' at 'actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value set: [NONE, DELETE]",
      "at 'startDate'",
      "at 'target.input'",
    );
    expect((await scheduler("GET", "/schedules/typed")).status).toBe(404);
  });

  it("answers ListSchedules paging out of range", async () => {
    expectValidation(
      await scheduler("GET", "/schedules?MaxResults=0"),
      "Message",
      "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expectValidation(
      await scheduler("GET", "/schedules?MaxResults=101"),
      "Message",
      "Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    const token = await scheduler("GET", "/schedules?NextToken=-7");
    expect(token.status).toBe(400);
    expect(token.errorType).toBe("ValidationException");
  });
});

describe("the local clock route on bad input", () => {
  it("refuses an advance past what a date can hold (1e300 ms), and the clock keeps working", async () => {
    const before = Date.now();
    const huge = await rawRequest(stack, "POST", "/_sqs-jobs/clock/advance", { body: '{"ms": 1e300}' });
    expectValidation(huge, "Message", "Value '1e+300' at 'ms'");
    const nulled = await rawRequest(stack, "POST", "/_sqs-jobs/clock/advance", { body: "null" });
    expectValidation(
      nulled,
      "Message",
      "Value null at 'ms' failed to satisfy constraint: Member must not be null",
    );
    // Then a valid advance still answers a real time, one second on
    const ok = await rawRequest(stack, "POST", "/_sqs-jobs/clock/advance", { body: '{"ms": 1000}' });
    expect(ok.status, ok.body).toBe(200);
    const now = Date.parse((JSON.parse(ok.body) as { now: string }).now);
    expect(now).toBeGreaterThanOrEqual(before + 1000);
    expect(now).toBeLessThan(Date.now() + 60_000);
  });

  it("refuses the same in-process, before either clock moves", async () => {
    const before = stack.scheduler.now().getTime();
    await expect(stack.advanceClock(1e300)).rejects.toThrow(/ms/);
    expect(stack.scheduler.now().getTime() - before).toBeLessThan(60_000);
  });
});

describe("the local Lambda API on bad input", () => {
  it("refuses an event source mapping's BatchSize -5 with ValidationException and keeps the mapping", async () => {
    const update = lambda.send(new UpdateEventSourceMappingCommand({ UUID: mappingUuid, BatchSize: -5 }));
    await expect(update).rejects.toMatchObject({
      name: "ValidationException",
      $metadata: { httpStatusCode: 400 },
      message:
        "1 validation error detected: Value '-5' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: mappingUuid }));
    expect(mapping.BatchSize).toBe(10);
  });

  it("refuses every out-of-range setting at once, and a batch over 10 without a batching window", async () => {
    const answer = await lambdaApi(
      "PUT",
      `/2015-03-31/event-source-mappings/${mappingUuid}`,
      JSON.stringify({
        BatchSize: 20_000,
        MaximumBatchingWindowInSeconds: 301,
        ScalingConfig: { MaximumConcurrency: 1 },
        Enabled: "yes",
      }),
    );
    expectValidation(
      answer,
      "message",
      "Value '20000' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000",
      "Value '301' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: Member must have value less than or equal to 300",
      "Value '1' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 2",
      "at 'enabled'",
    );
    const windowless = lambda.send(new UpdateEventSourceMappingCommand({ UUID: mappingUuid, BatchSize: 50 }));
    await expect(windowless).rejects.toMatchObject({
      name: "InvalidParameterValueException",
      message:
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
    });
    const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: mappingUuid }));
    expect(mapping).toMatchObject({ BatchSize: 10, MaximumBatchingWindowInSeconds: 0, State: "Enabled" });
  });

  it("answers a null update body and a function name that is not URL-decodable without a 500", async () => {
    const nulled = await lambdaApi("PUT", `/2015-03-31/event-source-mappings/${mappingUuid}`, "null");
    expect(nulled.status, nulled.body).toBe(400);
    const badName = await lambdaApi("POST", "/2015-03-31/functions/%zz/invocations", "{}");
    expectValidation(badName, "message", "Value '%zz' at 'functionName' failed to satisfy constraint");
  });
});

describe("the endpoint on a request target that is not a URL", () => {
  it("answers GET http://[ with 400 and goes on serving", async () => {
    // Given a client that writes its own request line, with an absolute-form target no URL parser takes
    const { port } = new URL(stack.endpoint);
    const statusLine = await rawStatusLine(Number(port), "GET http://[ HTTP/1.1");
    // Then it is refused as a bad request
    expect(statusLine).toBe("HTTP/1.1 400 Bad Request");
    // And the stack still answers
    const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: mappingUuid }));
    expect(mapping.UUID).toBe(mappingUuid);
  });
});
