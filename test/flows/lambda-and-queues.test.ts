import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { child, createSqsHandler, defineJob, handle, JobClient } from "../../src/index.ts";
import { invokeLikeLambda } from "../consumer/harness.ts";
import { queueArn } from "../helpers/sqs.ts";
import { flowRig } from "./rig.ts";

const page = defineJob({
  name: "page",
  schema: z.object({ path: z.string() }),
  result: z.object({ length: z.number() }),
  fifo: { groupId: "site" },
});
const crawl = defineJob({
  name: "crawl",
  schema: z.object({ paths: z.array(z.string()) }),
  retry: { maxAttempts: 2, backoff: { type: "fixed", seconds: 1 } },
});
const report = defineJob({ name: "report", schema: z.object({ site: z.string() }) });

describe("flows in Lambda, across queues", () => {
  it("a Lambda parent retried after starting its flow fans out once to a FIFO queue of another consumer; the continuation comes back to the parent's queue", async () => {
    // The parent's queue, consumed by a Lambda handler; the children's FIFO queue, by a worker.
    const site = await flowRig("flow-lambda-site");
    const pages = await flowRig("flow-lambda-pages", { fifo: true, tableName: site.tableName });
    const pagesClient = new JobClient({ queueUrl: pages.queueUrl, sqs: site.sqs, ledger: site.ledger });
    const reports: number[] = [];
    const handler = createSqsHandler(
      [
        handle(crawl, async ({ paths }, ctx) => {
          await ctx.flow({
            children: paths.map((path) => child(page, { path }, { key: path })),
            // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
            then: child(report, { site: "example" }),
          });
          // The first attempt fails after starting its flow: the retry starts the same flow again.
          if (ctx.attempt === 1) throw new Error("crash after the flow started");
        }),
        handle(report, async (_p, ctx) => {
          let total = 0;
          for await (const results of ctx.childResults(page)) {
            for (const c of results) if (c.status === "succeeded") total += c.result.length;
          }
          reports.push(total);
        }),
      ],
      {
        sqs: site.sqs,
        ledger: site.ledger,
        routes: [{ jobs: [page], client: pagesClient }],
        logLevel: "silent",
      },
    );
    const siteArn = await queueArn(site.sqs, site.queueUrl);
    const pageRuns: string[] = [];
    pages.work([
      handle(page, (p) => {
        pageRuns.push(p.path);
        return { length: p.path.length };
      }),
    ]);
    try {
      const { jobId } = await site.jobs.send(crawl, { paths: ["/", "/about", "/contact"] });
      const first = await invokeLikeLambda(site.sqs, site.queueUrl, siteArn, handler);
      expect(first.response.batchItemFailures).toHaveLength(1);
      const second = await invokeLikeLambda(site.sqs, site.queueUrl, siteArn, handler, { waitMs: 15_000 });
      expect(second.response.batchItemFailures).toHaveLength(0);
      const parent = await vi.waitFor(
        async () => {
          const state = await site.jobs.getJob(crawl, jobId);
          expect(state?.flows[0]?.pending).toBe(0);
          return state;
        },
        { timeout: 20_000, interval: 200 },
      );
      expect(parent?.flows[0]).toMatchObject({
        total: 3,
        succeeded: 3,
        dead: 0,
        parentId: jobId,
        rootId: jobId,
      });
      const thenJobId = parent?.flows[0]?.thenJobId as string;
      await invokeLikeLambda(site.sqs, site.queueUrl, siteArn, handler, { waitMs: 10_000 });
      await vi.waitFor(
        async () => expect((await site.jobs.getJob(report, thenJobId))?.status).toBe("succeeded"),
        {
          timeout: 20_000,
        },
      );
      expect(reports).toEqual([1 + 6 + 8]);
      expect(pageRuns.sort()).toEqual(["/", "/about", "/contact"]);
      expect(await site.jobs.getJob(report, thenJobId)).toMatchObject({ parentId: jobId, rootId: jobId });
    } finally {
      await Promise.all([site.stop(), pages.stop()]);
    }
  });
});
