import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { classifyFailure } from "../../src/core/aws-errors.ts";
import { baseEndpoint, endpointFor } from "../../src/producer/direct/endpoint.ts";
import { retryKind } from "../../src/producer/direct/retry.ts";
import { serviceError } from "../../src/producer/direct/service-error.ts";

/** No network: what the direct transport reads from an SQSClient's resolved config. */
type ClientConfig = NonNullable<ConstructorParameters<typeof SQSClient>[0]>;

function clientFor(config: ClientConfig): SQSClient {
  // The test run sets AWS_ENDPOINT_URL; only the case about it may see it.
  return new SQSClient({
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
    ignoreConfiguredEndpointUrls: true,
    ...config,
  });
}

async function whereTo(config: ClientConfig, queueUrl?: string): Promise<string> {
  const client = clientFor(config);
  const region = await client.config.region();
  const base = await baseEndpoint(client.config, region, client.config.endpoint !== undefined);
  return endpointFor(base, queueUrl).href;
}

/** Where the SDK itself sends a SendMessage: read from the built request, before any network. */
async function whereSdkSends(config: ClientConfig, queueUrl: string): Promise<string> {
  const client = clientFor(config);
  let url = "";
  client.middlewareStack.add(
    () => async (args) => {
      const r = args.request as { protocol: string; hostname: string; port?: number; path: string };
      url = new URL(`${r.protocol}//${r.hostname}${r.port === undefined ? "" : `:${r.port}`}${r.path}`).href;
      throw new Error("captured");
    },
    { step: "build", name: "captureDestination" },
  );
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x" })).catch(() => undefined);
  return url;
}

describe("direct transport settings", () => {
  it.each([
    [{ region: "eu-west-1" }, undefined, "https://sqs.eu-west-1.amazonaws.com/"],
    [{ region: "us-east-1", useFipsEndpoint: true }, undefined, "https://sqs-fips.us-east-1.amazonaws.com/"],
    [{ region: "eu-west-1", useDualstackEndpoint: true }, undefined, "https://sqs.eu-west-1.api.aws/"],
    [{ region: "us-east-1", endpoint: "http://127.0.0.1:4566" }, undefined, "http://127.0.0.1:4566/"],
    // The SDK's queue-URL middleware: a queue URL on another host wins, unless turned off or an
    // endpoint is set explicitly.
    [
      { region: "us-east-1" },
      "https://us-east-2.queue.amazonaws.com/1/q",
      "https://us-east-2.queue.amazonaws.com/",
    ],
    [
      { region: "us-east-1", useQueueUrlAsEndpoint: false },
      "https://other.example/1/q",
      "https://sqs.us-east-1.amazonaws.com/",
    ],
    [
      { region: "us-east-1", endpoint: "http://127.0.0.1:4566" },
      "http://sqs.localhost:9/1/q",
      "http://127.0.0.1:4566/",
    ],
  ])("sends where the SDK would: %j, queue %s -> %s", async (config, queueUrl, expected) => {
    expect(await whereTo(config, queueUrl)).toBe(expected);
    // Without a queue URL of its own the case is about the client's endpoint: keep the SDK's
    // queue-URL middleware out of it.
    const sdkConfig = queueUrl === undefined ? { ...config, useQueueUrlAsEndpoint: false } : config;
    expect(await whereSdkSends(sdkConfig, queueUrl ?? "https://elsewhere.example/1/q")).toBe(expected);
  });

  it("honours an endpoint from the environment, which the SDK reads only on its first request", async () => {
    // Given AWS_ENDPOINT_URL (set by the test run) and a client built without an endpoint
    const fromEnv = process.env.AWS_ENDPOINT_URL;
    expect(fromEnv).toBeDefined();
    // Then the direct transport goes there, and a queue URL on another host still wins, as in the SDK
    const config = { region: "us-east-1", ignoreConfiguredEndpointUrls: false };
    expect(await whereTo(config)).toBe(new URL(fromEnv ?? "").href);
    expect(await whereTo(config, "http://sqs.us-east-1.localhost:9/1/q")).toBe(
      "http://sqs.us-east-1.localhost:9/",
    );
    expect(await whereTo({ ...config, useQueueUrlAsEndpoint: false }, "http://sqs.localhost:9/1/q")).toBe(
      new URL(fromEnv ?? "").href,
    );
  });

  it("parses SQS's JSON errors into the SDK's shape", () => {
    const missing = serviceError(
      400,
      { "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender", "x-amzn-requestid": "r1" },
      JSON.stringify({
        __type: "com.amazonaws.sqs#QueueDoesNotExist",
        message: "The specified queue does not exist.",
      }),
    );
    expect(missing).toMatchObject({
      name: "QueueDoesNotExist",
      message: "The specified queue does not exist.",
      Code: "AWS.SimpleQueueService.NonExistentQueue",
      Type: "Sender",
      $fault: "client",
      $metadata: { httpStatusCode: 400, requestId: "r1" },
    });
    // A gateway's HTML page: no code, but the status still makes it a retryable server fault.
    const gateway = serviceError(502, {}, "<html>Bad Gateway</html>");
    expect(gateway).toMatchObject({ name: "UnknownError", $fault: "server", message: "HTTP 502" });
    expect(classifyFailure(gateway)).toBe("ambiguous");
    expect(retryKind(gateway)).toBe("transient");
  });

  it.each([
    [{ name: "RequestThrottled", $metadata: { httpStatusCode: 400 } }, "throttling"],
    [{ name: "Whatever", $metadata: { httpStatusCode: 429 } }, "throttling"],
    [{ name: "InternalError", $metadata: { httpStatusCode: 500 } }, "transient"],
    [{ name: "NotImplemented", $metadata: { httpStatusCode: 501 } }, undefined],
    [Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "transient"],
    [Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }), "transient"],
    [{ name: "TimeoutError" }, "transient"],
    [{ name: "InvalidParameterValue", $metadata: { httpStatusCode: 400 } }, undefined],
  ])("retries %j like the SDK's standard mode: %s", (error, kind) => {
    expect(retryKind(error)).toBe(kind);
  });
});
