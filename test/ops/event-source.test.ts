import { afterEach, describe, expect, it } from "vitest";
import { OperationError } from "../../src/core/aws-errors.ts";
import { createLambdaClient } from "../../src/core/lambda-client.ts";
import { listMappings, setMappingsEnabled } from "../../src/ops/event-source.ts";
import { startFakeAws, TEST_CREDENTIALS } from "./fake-aws.ts";

const QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:reports";
const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:report-worker";

function mapping(uuid: string, state: string) {
  return {
    UUID: uuid,
    EventSourceArn: QUEUE_ARN,
    FunctionArn: FUNCTION_ARN,
    State: state,
    BatchSize: 10,
    ScalingConfig: { MaximumConcurrency: 5 },
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe("event source mapping control", () => {
  it("pause disables every mapping that reads the queue and returns the state Lambda reports", async () => {
    // Given a Lambda API with two mappings on the queue, one page each
    const fake = await startFakeAws((req) => {
      if (req.method === "GET") {
        const page2 = req.url.includes("Marker=p2");
        return {
          status: 200,
          body: {
            EventSourceMappings: [mapping(page2 ? "u2" : "u1", "Enabled")],
            NextMarker: page2 ? undefined : "p2",
          },
        };
      }
      const uuid = req.url.split("/").pop() ?? "";
      return {
        status: 202,
        body: mapping(uuid, (req.body as { Enabled: boolean }).Enabled ? "Enabling" : "Disabling"),
      };
    });
    close = fake.close;
    const lambda = createLambdaClient({
      endpoint: fake.endpoint,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
    });

    // When the queue's consumers are paused
    const updated = await setMappingsEnabled(lambda, QUEUE_ARN, false);

    // Then both mappings were listed by the queue ARN and updated with Enabled: false
    expect(updated.map((m) => [m.uuid, m.state, m.functionName, m.maximumConcurrency])).toEqual([
      ["u1", "Disabling", "report-worker", 5],
      ["u2", "Disabling", "report-worker", 5],
    ]);
    const list = fake.requests.find((r) => r.method === "GET");
    expect(decodeURIComponent(list?.url ?? "")).toContain(
      `/2015-03-31/event-source-mappings?EventSourceArn=${QUEUE_ARN}`,
    );
    const puts = fake.requests.filter((r) => r.method === "PUT");
    expect(puts.map((r) => [r.url, r.body])).toEqual([
      ["/2015-03-31/event-source-mappings/u1", { Enabled: false }],
      ["/2015-03-31/event-source-mappings/u2", { Enabled: false }],
    ]);
    lambda.destroy();
  });

  it("refuses to pause a queue that no mapping reads, naming the queue", async () => {
    const fake = await startFakeAws(() => ({ status: 200, body: { EventSourceMappings: [] } }));
    close = fake.close;
    const lambda = createLambdaClient({
      endpoint: fake.endpoint,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
    });
    await expect(setMappingsEnabled(lambda, QUEUE_ARN, false)).rejects.toThrow(OperationError);
    await expect(setMappingsEnabled(lambda, QUEUE_ARN, false)).rejects.toThrow(
      /no Lambda event source mapping reads .*reports/,
    );
    lambda.destroy();
  });

  it("reports a refused Lambda API as a typed error rather than an SDK exception", async () => {
    const fake = await startFakeAws(() => ({
      status: 403,
      body: { message: "not authorized" },
      headers: { "x-amzn-errortype": "AccessDeniedException" },
    }));
    close = fake.close;
    const lambda = createLambdaClient({
      endpoint: fake.endpoint,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
    });
    await expect(listMappings(lambda, QUEUE_ARN)).rejects.toMatchObject({ code: "ERR_OPERATION" });
    lambda.destroy();
  });
});
