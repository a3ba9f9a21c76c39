import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudWatchRates } from "../../tools/src/dashboard/cloudwatch-rates.ts";

interface Query {
  readonly Id: string;
  readonly MetricStat: {
    readonly Metric: {
      readonly Namespace: string;
      readonly MetricName: string;
      readonly Dimensions: { Name: string; Value: string }[];
    };
    readonly Stat: string;
  };
}

/**
 * CloudWatch's GetMetricData as far as the dashboard uses it (AWS JSON 1.0): every call is kept,
 * and each query gets the value `values(metric, queue)` at 12:01 (none where it gives undefined).
 */
function fakeCloudWatch(values: (metric: string, queue: string) => number | undefined) {
  const calls: { target: string; queries: Query[] }[] = [];
  let refuse = false;
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"]);
      const queries = (JSON.parse(body) as { MetricDataQueries: Query[] }).MetricDataQueries;
      calls.push({ target, queries });
      if (refuse) {
        res.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify({ __type: "com.amazonaws.cloudwatch#AccessDenied", message: "not allowed" }));
        return;
      }
      const results = queries.map((q) => {
        const value = values(q.MetricStat.Metric.MetricName, q.MetricStat.Metric.Dimensions[0]?.Value ?? "");
        return {
          Id: q.Id,
          StatusCode: "Complete",
          Timestamps: value === undefined ? [] : [Date.parse("2026-12-07T12:01:00Z") / 1000],
          Values: value === undefined ? [] : [value],
        };
      });
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ MetricDataResults: results }));
    });
  });
  return {
    calls,
    refuseFromNowOn() {
      refuse = true;
    },
    async start(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const at = (hhmmss: string) => new Date(`2026-12-07T${hhmmss}Z`);
const queue = (name: string) => ({ name, arn: `arn:aws:sqs:us-east-1:123456789012:${name}` });

const METRIC_VALUES: Record<string, number> = {
  NumberOfMessagesSent: 12,
  NumberOfMessagesDeleted: 9,
  NumberOfMessagesReceived: 11,
  ApproximateAgeOfOldestMessage: 42,
  // The sqs-jobs consumer's EMF outcomes, per queue
  succeeded: 6,
  failed: 2,
  dead: 1,
  throttled: 3,
  cancelled: 0,
};
const cloudwatchApi = fakeCloudWatch((metric, name) =>
  name === "orders" ? METRIC_VALUES[metric] : undefined,
);
let cloudwatch: CloudWatchClient;

beforeAll(async () => {
  cloudwatch = new CloudWatchClient({
    endpoint: await cloudwatchApi.start(),
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  cloudwatch.destroy();
  await cloudwatchApi.close();
});

describe("the dashboard's rates on AWS, from CloudWatch", () => {
  it("reads every queue's rates and its consumer's outcomes in one GetMetricData call a minute, whatever the refreshes", async () => {
    // Given three queues, one of them busy at 12:01
    const rates = new CloudWatchRates(cloudwatch);
    const queues = [queue("orders"), queue("emails"), queue("reports")];
    const before = cloudwatchApi.calls.length;

    // When the page refreshes at 12:03:10, 12:03:40 and 12:04:05
    const first = await rates.read(queues, at("12:03:10"));
    await rates.read(queues, at("12:03:40"));
    await rates.read(queues, at("12:04:05"));

    // Then CloudWatch was called once, nine metrics a queue: four of AWS/SQS by QueueName, five
    // of the consumer's namespace by queue
    expect(cloudwatchApi.calls.length - before).toBe(1);
    const call = cloudwatchApi.calls.at(-1);
    expect(call?.target).toBe("GraniteServiceVersion20100801.GetMetricData");
    expect(call?.queries).toHaveLength(27);
    const ordersQueries = call?.queries.filter((q) => q.MetricStat.Metric.Dimensions[0]?.Value === "orders");
    expect(
      ordersQueries?.map((q) => [q.MetricStat.Metric.Namespace, q.MetricStat.Metric.Dimensions[0]?.Name]),
    ).toEqual([...Array(4).fill(["AWS/SQS", "QueueName"]), ...Array(5).fill(["SqsJobs", "queue"])]);

    // And each queue has 15 minutes of points; the busy one's minute shows its figures
    const orders = first.get(queues[0]?.arn ?? "");
    expect(orders?.source).toBe("cloudwatch");
    expect(orders?.points).toHaveLength(15);
    expect(orders?.points.find((p) => p.at === "2026-12-07T12:01:00.000Z")).toEqual({
      at: "2026-12-07T12:01:00.000Z",
      sent: 12,
      processed: 9,
      failed: 2,
    });
    expect(orders?.oldestAgeSeconds).toBe(42);
    // And its consumer's outcomes, per minute beside them
    expect(orders?.jobs).toHaveLength(15);
    expect(orders?.jobs?.find((p) => p.at === "2026-12-07T12:01:00.000Z")).toEqual({
      at: "2026-12-07T12:01:00.000Z",
      succeeded: 6,
      failed: 2,
      dead: 1,
      throttled: 3,
      cancelled: 0,
    });
    expect(orders?.jobs?.find((p) => p.at === "2026-12-07T12:02:00.000Z")?.succeeded).toBe(0);
    // And a queue with no consumer metrics says so (null), not zero jobs
    const emails = first.get(queues[1]?.arn ?? "");
    expect(emails?.points.every((p) => p.sent === 0 && p.processed === 0 && p.failed === 0)).toBe(true);
    expect(emails?.oldestAgeSeconds).toBeNull();
    expect(emails?.jobs).toBeNull();

    // When a minute has passed, it reads again
    await rates.read(queues, at("12:04:11"));
    expect(cloudwatchApi.calls.length - before).toBe(2);
  });

  it("asks at most 500 metrics a call: 55 queues in one, one more call per 500 metrics beyond", async () => {
    const callsFor = async (count: number) => {
      const queues = Array.from({ length: count }, (_, i) => queue(`q${i}`));
      const before = cloudwatchApi.calls.length;
      const read = await new CloudWatchRates(cloudwatch).read(queues, at("12:03:10"));
      expect(read.size).toBe(count);
      return cloudwatchApi.calls.slice(before).map((c) => c.queries.length);
    };
    expect(await callsFor(55)).toEqual([495]);
    expect(await callsFor(56)).toEqual([500, 4]);
    expect(await callsFor(130)).toEqual([500, 500, 170]);
  });

  it("reads the consumers' metrics from the namespace they write to", async () => {
    const before = cloudwatchApi.calls.length;
    await new CloudWatchRates(cloudwatch, { namespace: "Billing" }).read([queue("orders")], at("12:03:10"));
    const namespaces = cloudwatchApi.calls
      .slice(before)
      .flatMap((c) => c.queries.map((q) => q.MetricStat.Metric.Namespace));
    expect(namespaces).toEqual([...Array(4).fill("AWS/SQS"), ...Array(5).fill("Billing")]);
  });

  it("says why when CloudWatch refuses, and the queues still show", async () => {
    const failing = fakeCloudWatch(() => undefined);
    const client = new CloudWatchClient({
      endpoint: await failing.start(),
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    try {
      failing.refuseFromNowOn();
      const read = await new CloudWatchRates(client).read([queue("orders")], at("12:03:10"));
      expect(read.get(queue("orders").arn)).toEqual({
        source: null,
        why: expect.stringMatching(/^CloudWatch could not be read: .*not allowed/),
        points: [],
        jobs: null,
        oldestAgeSeconds: null,
      });
    } finally {
      client.destroy();
      await failing.close();
    }
  });
});
