import { describe, expectTypeOf, it } from "vitest";
import * as z from "zod/mini";
import { defineJob, handle, type JobState, type SentJob } from "../../src/index.ts";
import { type DeadJob, startTestApp, type TestApp } from "../../tools/src/testing/index.ts";

const resize = defineJob({
  name: "resize",
  schema: z.object({ key: z.string(), width: z._default(z.number(), 100) }),
  result: z.object({ url: z.string() }),
});

describe("the testing kit's types", () => {
  it("names the queues declared in code, and types send, job and dlq from the job definitions", async () => {
    const app = await startTestApp({
      queues: [{ name: "images", handlers: [handle(resize, (p) => ({ url: `${p.key}@${p.width}` }))] }],
    });
    expectTypeOf(app).toEqualTypeOf<TestApp<"images">>();

    const sent = await app.send(resize, { key: "a.png" });
    expectTypeOf(sent).toEqualTypeOf<SentJob<typeof resize>>();
    // @ts-expect-error: the payload is the schema's input
    await app.send(resize, { key: 1 });
    // @ts-expect-error: not a queue of this app
    await app.send(resize, { key: "a.png" }, { queue: "thumbnails" });

    // Never undefined: a job the ledger does not know is an SqsJobsError (ERR_JOB_NOT_IN_LEDGER).
    expectTypeOf(await app.job(sent)).toEqualTypeOf<JobState<{ url: string }>>();
    expectTypeOf(await app.job(sent.jobId)).toEqualTypeOf<JobState>();
    expectTypeOf(await app.dlq("images")).toEqualTypeOf<DeadJob[]>();
    // @ts-expect-error: not a queue of this app
    await app.dlq("thumbnails");
  });

  it("takes any queue name for a CDK app, whose names are known only once it runs", async () => {
    const app = await startTestApp({ cdk: {} });
    expectTypeOf(app.dlq).parameter(0).toEqualTypeOf<string>();
    // @ts-expect-error: a CDK app or queues, not both
    await startTestApp({ cdk: {}, queues: [] });
  });
});
