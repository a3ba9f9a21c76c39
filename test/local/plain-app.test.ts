import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevStack, startDevStack } from "../../tools/src/local/dev-stack.ts";
import { drainQueue } from "../helpers/sqs.ts";

/**
 * A plain CDK app (lambda.Function, SqsEventSource, Queue; no sqs-jobs code) in a project whose
 * package.json says "type": "module" and that has no node_modules, as a user's project would be
 * to Lambda: each function must load by Lambda's module rules, find the AWS SDK the runtime
 * provides, and reach its queues with a default client through the URLs dev hands out.
 */
const run = promisify(execFile);
let project: string;
let stack: DevStack;
let errors: string[];
let sqs: SQSClient;

const url = (prefix: string) => stack.queues.find((q) => q.logicalId.startsWith(prefix))?.url ?? "";

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "sqs-jobs-plain-"));
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "plain", type: "module" }));
  const assembly = join(project, "cdk.out");
  await run(resolve("node_modules/.bin/tsx"), ["test/local/fixtures/plain-app/app.ts"], {
    env: {
      ...process.env,
      CDK_OUTDIR: assembly,
      CDK_CONTEXT_JSON: JSON.stringify({ "aws:cdk:enable-asset-metadata": true }),
    },
  });
  errors = [];
  stack = await startDevStack({
    app: assembly,
    cwd: project,
    port: 0,
    onEvent: (e) => {
      if (e.type === "error") errors.push(e.message);
      if (e.type === "log") errors.push(e.line);
    },
  });
  // A client as a user's script would build it: the queue URL alone says where to send.
  sqs = new SQSClient({ region: stack.region, credentials: { accessKeyId: "t", secretAccessKey: "t" } });
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await stack?.stop();
  if (project !== undefined) await rm(project, { recursive: true, force: true });
});

describe("sqs-jobs dev runs a plain CDK app as Lambda would", () => {
  it("runs a CommonJS index.js and an ES module, each with the runtime's SDK and a default client", async () => {
    // Given a job on each function's queue, sent with a client that knows nothing but the URL
    await sqs.send(new SendMessageCommand({ QueueUrl: url("cjsIn"), MessageBody: "one" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url("esmIn"), MessageBody: "two" }));
    // Then both functions load, and their own default clients reach the Out queue from its Ref
    const messages = await drainQueue(sqs, url("Out"), { expect: 2, quietMs: 20_000 });
    const bodies = messages
      .map((m) => JSON.parse(m.Body ?? "{}"))
      .sort((a, b) => a.from.localeCompare(b.from));
    expect(bodies, errors.join("\n")).toEqual([
      { from: "cjs", body: "one" },
      { from: "esm", body: "two" },
    ]);
  }, 40_000);

  it("hands out queue URLs the AWS CLI uses, and serves the CLI given only AWS_ENDPOINT_URL", async () => {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ENDPOINT_URL: stack.endpoint,
      AWS_DEFAULT_REGION: stack.region,
      AWS_ACCESS_KEY_ID: "t",
      AWS_SECRET_ACCESS_KEY: "t",
    };
    const out = url("Out");
    expect(out).toBe(`${stack.endpoint}/000000000000/${out.split("/").at(-1)}`);
    // AWS CLI v1 sends SQS calls in us-east-1 to queue.amazonaws.com unless --endpoint-url is
    // given (its overridesslcommonname customization ignores AWS_ENDPOINT_URL); v2 does not.
    await run(
      "aws",
      [
        "--endpoint-url",
        stack.endpoint,
        "sqs",
        "send-message",
        "--queue-url",
        out,
        "--message-body",
        "from the cli",
      ],
      { env },
    );
    const [message] = await drainQueue(sqs, out, { expect: 1, quietMs: 5_000 });
    expect(message?.Body).toBe("from the cli");
    const mappings = JSON.parse((await run("aws", ["lambda", "list-event-source-mappings"], { env })).stdout);
    expect(mappings.EventSourceMappings).toHaveLength(2);
  }, 30_000);
});
