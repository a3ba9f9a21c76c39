import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningCli, startCli } from "../cli/run-cli.ts";
import { fixtureAssembly } from "../helpers/fixture-assembly.ts";
import { call } from "./dashboard-client.ts";

interface Ready {
  endpoint: string;
  dashboard: string;
  queues: { logicalId: string; name: string; url: string }[];
}

let dev: RunningCli | undefined;
let ready: Ready;
/** The dashboard's base URL on the dev endpoint, and its token. */
let base: string;
let token: string;
let sqs: SQSClient;
const queue = (prefix: string) => ready.queues.find((q) => q.logicalId.startsWith(prefix));

beforeAll(async () => {
  const assembly = await fixtureAssembly("test/local/fixture-app/app.ts");
  dev = startCli(["dev", "--port", "0", "--app", assembly, "--json"]);
  ready = (await dev.firstJson) as Ready;
  [base = "", token = ""] = ready.dashboard.split("#token=");
  sqs = new SQSClient({
    endpoint: ready.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
    useQueueUrlAsEndpoint: false,
  });
}, 60_000);

afterAll(async () => {
  sqs?.destroy();
  await dev?.stop("SIGINT");
});

describe("the dashboard under sqs-jobs dev", () => {
  it("is served on the dev endpoint under /_sqs-jobs/dashboard/, its URL with the token in the ready line", async () => {
    expect(base).toBe(`${ready.endpoint}/_sqs-jobs/dashboard/`);
    expect(token).toMatch(/^[\w-]{32}$/);
    const page = await call(base, "GET", "");
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("default-src 'self'");
    const bare = await call(ready.endpoint, "GET", "_sqs-jobs/dashboard");
    expect([bare.status, bare.headers.location]).toEqual([308, "/_sqs-jobs/dashboard/"]);
    // sqs-jobs dev lets pages on any local port call its AWS APIs; the dashboard only its own
    const foreign = await call(base, "GET", "api/info", { headers: { origin: "http://127.0.0.1:1" } });
    expect(foreign.status).toBe(403);
    expect((await call(base, "GET", "api/info")).json.target.endpoint).toBe(ready.endpoint);
  });

  it("shows each queue's consumer and pauses and resumes it", async () => {
    const work = queue("Work");
    const rowOf = async () =>
      (await call(base, "GET", "api/queues")).json.queues.find(
        (q: { name: string }) => q.name === work?.name,
      );

    // Given the Work queue's consumer as the page first sees it
    const before = await rowOf();
    expect(before.consumers).toEqual([
      {
        uuid: expect.any(String),
        functionName: expect.any(String),
        state: "Enabled",
        batchSize: 5,
        maximumConcurrency: null,
      },
    ]);
    expect(before.dlq).toMatchObject({ name: queue("Dlq")?.name });

    // When it is paused, then resumed, from the page
    const paused = await call(base, "POST", `api/queues/${work?.name}/pause`, { token });
    const whilePaused = await rowOf();
    const resumed = await call(base, "POST", `api/queues/${work?.name}/resume`, { token });

    // Then each answer and the next listing show the new state
    expect(paused.json.consumers.map((c: { state: string }) => c.state)).toEqual(["Disabled"]);
    expect(whilePaused.consumers.map((c: { state: string }) => c.state)).toEqual(["Disabled"]);
    expect(resumed.json.consumers.map((c: { state: string }) => c.state)).toEqual(["Enabled"]);
    expect((await rowOf()).consumers.map((c: { state: string }) => c.state)).toEqual(["Enabled"]);

    // And a queue no function reads has no consumer to pause
    const out = await call(base, "POST", `api/queues/${queue("Out")?.name}/pause`, { token });
    expect([out.status, out.json.error.code]).toEqual([409, "NO_CONSUMER"]);
  });

  it("counts per minute the records the local consumer processed and returned for retry", async () => {
    // Given a job that succeeds and one that the function returns for retry
    const work = queue("Work");
    await sqs.send(new SendMessageCommand({ QueueUrl: work?.url, MessageBody: "ok" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: work?.url, MessageBody: "fail-once" }));

    // When the page reads the queues, Then its rates come from the dev stack and count both
    const totals = async () => {
      const row = (await call(base, "GET", "api/queues")).json.queues.find(
        (q: { name: string }) => q.name === work?.name,
      );
      expect(row.rates).toMatchObject({ source: "local", why: null });
      const sum = (key: "processed" | "failed") =>
        row.rates.points.reduce((n: number, p: Record<string, number>) => n + (p[key] ?? 0), 0);
      return { processed: sum("processed") >= 1, failed: sum("failed") >= 1, sent: row.rates.points[0].sent };
    };
    await expect
      .poll(totals, { timeout: 10_000, interval: 250 })
      .toEqual({ processed: true, failed: true, sent: null });
  });
});
