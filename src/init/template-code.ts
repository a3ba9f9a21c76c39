import type { ProjectNames } from "./project-names.ts";

export const JOBS_TS = `import { defineJob } from "sqs-jobs";
import * as z from "zod";

/** A job: its name, what it takes and what it returns, shared by the senders and the handler. */
export const greet = defineJob({
  name: "greet",
  schema: z.object({ name: z.string().min(1) }),
  result: z.object({ greeting: z.string() }),
  retry: { maxAttempts: 3 },
  timeoutSeconds: 30,
});
`;

export const HANDLER_TS = `import { createSqsHandler, handle } from "sqs-jobs";
import { greet } from "./jobs.ts";

/** What the queue's consumer does with each job: the Lambda below and the tests run these same bindings. */
export const bindings = [
  handle(greet, async (payload, ctx) => {
    // The job id stays the same across retries: use it to make a side effect happen once.
    ctx.logger.info("greeting", { jobId: ctx.jobId });
    return { greeting: \`Hello, \${payload.name}!\` };
  }),
];

/** The Lambda entry \`JobQueue\` bundles (see cdk/app.ts). */
export const handler = createSqsHandler(bindings);
`;

export function appTs(names: ProjectNames): string {
  return `import * as path from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { JobLedger, JobQueue } from "sqs-jobs/cdk";
import { greet } from "../src/jobs.ts";

const app = new App();
// No env: the stack synthesizes without credentials and deploys to the cdk CLI's account and region.
const stack = new Stack(app, ${JSON.stringify(names.stackName)});

// The job ledger: each job's status and result, for getJob, waitFor and the dashboard.
const ledger = new JobLedger(stack, "Ledger");

// The queue, its DLQ, the consumer function (src/handler.ts, bundled by esbuild) and its alarms.
new JobQueue(stack, "Greetings", {
  name: "greetings",
  jobs: [greet],
  entry: path.join(import.meta.dirname, "..", "src", "handler.ts"),
  ledger,
});

app.synth();
`;
}

export const TEST_TS = `import { startTestApp, type TestApp } from "sqs-jobs-tools/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bindings } from "../src/handler.ts";
import { greet } from "../src/jobs.ts";

let app: TestApp<"greetings">;

beforeAll(async () => {
  // The queue and its ledger in this process, consuming with the Lambda entry's own bindings.
  app = await startTestApp({ ledger: true, queues: [{ name: "greetings", handlers: bindings }] });
});

afterAll(() => app.stop());

it("greets", async () => {
  const sent = await app.send(greet, { name: "Ada" });
  await app.drain();
  expect(await app.job(sent)).toMatchObject({
    status: "succeeded",
    result: { greeting: "Hello, Ada!" },
  });
});
`;
