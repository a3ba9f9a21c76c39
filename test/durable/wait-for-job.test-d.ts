import type { DurableContext } from "@aws/durable-execution-sdk-js";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type DurableWaitContext,
  defineJob,
  type JobClient,
  type SendOptions,
  waitForJob,
} from "../../src/index.ts";

const resize = defineJob({
  name: "resize",
  schema: z.object({ key: z.string() }),
  result: z.object({ at: z.string().transform((s) => new Date(s)) }),
});

describe("waitForJob's types", () => {
  it("takes the durable SDK's own context, though sqs-jobs does not depend on the SDK", () => {
    expectTypeOf<DurableContext>().toExtend<DurableWaitContext>();
  });

  it("resolves with the job's result type, after its result schema", () => {
    const run = (ctx: DurableContext, jobs: JobClient) => waitForJob(ctx, jobs, resize, { key: "a" });
    expectTypeOf<Awaited<ReturnType<typeof run>>>().toEqualTypeOf<{ at: Date }>();
  });

  it("checks the payload against the job's input, and sets callbackId itself", () => {
    const bad = (ctx: DurableContext, jobs: JobClient) =>
      // @ts-expect-error key must be a string
      waitForJob(ctx, jobs, resize, { key: 1 });
    const own = (ctx: DurableContext, jobs: JobClient, callbackId: string) =>
      // @ts-expect-error the callback id is waitForJob's to set
      waitForJob(ctx, jobs, resize, { key: "a" }, { callbackId });
    expectTypeOf(bad).toBeFunction();
    expectTypeOf(own).toBeFunction();
    expectTypeOf<SendOptions["callbackId"]>().toEqualTypeOf<string | undefined>();
  });
});
