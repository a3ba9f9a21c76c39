import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevStack, startDevStack } from "../../tools/src/local/dev-stack.ts";

/**
 * `sqs-jobs dev` seen from the network: what it listens on and which requests it serves. The app
 * is a hand-written cloud assembly (one queue, one table), so no synth is needed.
 */
let dir: string;
let stack: DevStack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sqs-jobs-network-"));
  const template = {
    Resources: {
      Jobs: { Type: "AWS::SQS::Queue", Properties: { QueueName: "jobs" } },
      Ledger: {
        Type: "AWS::DynamoDB::Table",
        Properties: {
          TableName: "ledger",
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          BillingMode: "PAY_PER_REQUEST",
        },
      },
    },
  };
  await writeFile(join(dir, "Net.template.json"), JSON.stringify(template));
  await writeFile(
    join(dir, "manifest.json"),
    JSON.stringify({
      version: "48.0.0",
      artifacts: {
        Net: { type: "aws:cloudformation:stack", properties: { templateFile: "Net.template.json" } },
      },
    }),
  );
  stack = await startDevStack({ app: dir, port: 0 });
});

afterAll(async () => {
  await stack?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** A raw request with the headers a browser or an attacker would choose, to the endpoint or `to`. */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = "",
  to = stack.endpoint,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(to);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const listQueues = (headers: Record<string, string>) =>
  send(
    "POST",
    "/",
    {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "AmazonSQS.ListQueues",
      ...headers,
    },
    "{}",
  );

/** A DynamoDB call as the SDK sends it; dynalite wants a SigV4-shaped Authorization, not a valid one. */
const listTables = (headers: Record<string, string>, to?: string) =>
  send(
    "POST",
    "/",
    {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "DynamoDB_20120810.ListTables",
      "x-amz-date": "20260101T000000Z",
      authorization:
        "AWS4-HMAC-SHA256 Credential=t/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
      ...headers,
    },
    "{}",
    to,
  );

describe("sqs-jobs dev on the network", () => {
  it("listens on loopback only: the endpoint and the emulators behind it", async () => {
    // Given every socket the stack says it listens on (the endpoint, fauxqs and dynalite)
    expect(stack.listeners).toHaveLength(3);
    // Then the kernel shows each bound to 127.0.0.1, not 0.0.0.0
    const { stdout } = await promisify(execFile)("ss", ["-ltnH"]);
    for (const listener of stack.listeners) {
      const port = listener.split(":").at(-1);
      const bound = stdout
        .split("\n")
        .map((line) => line.trim().split(/\s+/)[3])
        .filter((local) => local?.endsWith(`:${port}`));
      expect(bound, listener).toEqual([`127.0.0.1:${port}`]);
    }
  });

  it("serves localhost, *.localhost and IP addresses as Host", async () => {
    const { port } = new URL(stack.endpoint);
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `sqs.us-east-1.localhost:${port}`,
      `[::1]:${port}`,
    ]) {
      expect((await listQueues({ host })).status, host).toBe(200);
    }
  });

  it("refuses a Host that is not this machine (DNS rebinding) with 403 and the reason", async () => {
    const answer = await listQueues({ host: `attacker.example:${new URL(stack.endpoint).port}` });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/Host "attacker\.example:\d+" is not this machine.*DNS rebinding/);
    const lambda = await send("GET", "/2015-03-31/event-source-mappings/", { host: "attacker.example" });
    expect(lambda.status).toBe(403);
  });

  it("refuses browser requests from other sites, serves pages on localhost", async () => {
    // A simple cross-origin POST (no preflight) from a page elsewhere
    const invoke = await send(
      "POST",
      "/2015-03-31/functions/any/invocations",
      { "content-type": "text/plain", origin: "https://attacker.example" },
      "{}",
    );
    expect(invoke.status).toBe(403);
    expect(invoke.body).toMatch(/cross-origin request from "https:\/\/attacker\.example" refused/);
    expect((await listQueues({ origin: "null" })).status).toBe(403);
    expect((await listQueues({ "sec-fetch-site": "cross-site" })).status).toBe(403);
    // A local page is served
    expect((await listQueues({ origin: "http://localhost:3000" })).status).toBe(200);
    expect(
      (await listQueues({ origin: "http://127.0.0.1:5173", "sec-fetch-site": "cross-site" })).status,
    ).toBe(200);
  });

  it("serves DynamoDB on the same endpoint, and refuses it for a foreign Host like the rest", async () => {
    const { port } = new URL(stack.endpoint);
    const served = await listTables({ host: `localhost:${port}` });
    expect(served.status).toBe(200);
    expect(JSON.parse(served.body).TableNames).toEqual(["ledger"]);
    const refused = await listTables({ host: `attacker.example:${port}` });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/Host "attacker\.example:\d+" is not this machine/);
    expect((await listTables({ origin: "https://attacker.example" })).status).toBe(403);
  });

  it("refuses DynamoDB calls made to dynalite's own port, around the endpoint's checks", async () => {
    const dynalite = stack.listeners.at(-1);
    const direct = await listTables({ origin: "https://attacker.example" }, `http://${dynalite}`);
    expect(direct.status).toBe(403);
    expect((await listTables({}, `http://${dynalite}`)).status).toBe(403);
  });

  it("hands out path-style queue URLs on the address the client used", async () => {
    const { port } = new URL(stack.endpoint);
    expect(stack.queues.map((q) => q.url)).toEqual([`http://127.0.0.1:${port}/000000000000/jobs`]);
    const answer = await listQueues({ host: `localhost:${port}` });
    expect(JSON.parse(answer.body).QueueUrls).toEqual([`http://localhost:${port}/000000000000/jobs`]);
  });

  it("names --host when it is no address of this machine, as the dashboard does", async () => {
    // Given an address no machine has (TEST-NET-1, RFC 5737)
    // When a second stack is told to listen on it
    const start = startDevStack({ app: dir, port: 0, host: "192.0.2.1" });
    // Then the error names the address and the option
    await expect(start).rejects.toThrow(
      "cannot listen on 192.0.2.1: no such address on this machine; check --host",
    );
  });
});
