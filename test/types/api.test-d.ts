import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import * as zm from "zod/mini";
import type { JobScheduleOptions } from "../../cdk/lib/index.ts";
import {
  defineJob,
  JobClient,
  type JobClientOptions,
  type JobInput,
  type JobPayload,
  type JobResult,
  type SentJob,
} from "../../src/index.ts";

const job = defineJob({
  name: "typed",
  schema: z.object({
    n: z.number(),
    when: z.string().transform((s) => new Date(s)),
    tag: z.string().default("x"),
  }),
});

describe("public types", () => {
  it("infers the send input and the handler payload from the schema", () => {
    expectTypeOf<JobInput<typeof job>>().toEqualTypeOf<{
      n: number;
      when: string;
      tag?: string | undefined;
    }>();
    expectTypeOf<JobPayload<typeof job>>().toEqualTypeOf<{ n: number; when: Date; tag: string }>();
    expectTypeOf(job.name).toEqualTypeOf<"typed">();
  });

  it("types results by the job's result schema: the handler returns its input, waiters get its output", () => {
    const report = defineJob({
      name: "report",
      schema: z.object({ id: z.string() }),
      result: z.object({ rows: z.number(), at: z.string().transform((s) => new Date(s)) }),
    });
    expectTypeOf<JobResult<typeof report>>().toEqualTypeOf<{ rows: number; at: Date }>();
    const client = new JobClient({ queueUrl: "http://127.0.0.1:1/0/q", ledger: false });
    expectTypeOf(client.waitFor(report, "id")).resolves.toEqualTypeOf<{ rows: number; at: Date }>();
    expectTypeOf<JobResult<typeof job>>().toEqualTypeOf<unknown>();
  });

  it("works with zod/mini", () => {
    const mini = defineJob({ name: "mini", schema: zm.object({ id: zm.string() }) });
    expectTypeOf<JobInput<typeof mini>>().toEqualTypeOf<{ id: string }>();
  });

  it("refuses a wrong payload at compile time", () => {
    const client = new JobClient({ queueUrl: "http://127.0.0.1:1/0/q" });
    // @ts-expect-error n must be a number
    void client.send(job, { n: "1", when: "2026-01-01" });
    expectTypeOf(client.send(job, { n: 1, when: "2026-01-01" })).resolves.toEqualTypeOf<
      SentJob<typeof job>
    >();
  });

  it("has no transport option: sends go through the SQS client (or Scheduler), publishes through SNS's", () => {
    expectTypeOf<keyof JobClientOptions>().toEqualTypeOf<
      | "queueUrl"
      | "queue"
      | "sqs"
      | "maxMessageBytes"
      | "ledger"
      | "functionName"
      | "lambda"
      | "scheduler"
      | "topicArn"
      | "topic"
      | "sns"
      | "payloads"
    >();
    // @ts-expect-error the direct transport is gone
    void new JobClient({ queueUrl: "http://127.0.0.1:1/0/q", transport: "direct" });
  });
});

describe("sqs-jobs/cdk types", () => {
  it("types a schedule's payload as the job's send input", () => {
    type Options = JobScheduleOptions<typeof job>;
    expectTypeOf<Options["payload"]>().toEqualTypeOf<JobInput<typeof job>>();
    // @ts-expect-error: a payload the job's schema does not describe
    const wrong: Options = { job, payload: { n: "one", when: "2026-01-01" }, cron: "0 3 * * ? *" };
    expectTypeOf(wrong).toEqualTypeOf<Options>();
  });
});
