import { afterAll, describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { child, defineJob, handle, PermanentError } from "../../src/index.ts";
import { flowRig } from "../flows/rig.ts";
import { eventually } from "../helpers/eventually.ts";
import { runCli, widest } from "./run-cli.ts";

/**
 * `jobs get` of a flow's root shows its tree: each flow's children counted, its continuation and
 * the flow that one started, as the site audit's two stages read (docs/cli.md, "A flow's tree").
 */
const audit = defineJob({ name: "audit", schema: z.object({}) });
const page = defineJob({ name: "page", schema: z.object({ n: z.number() }) });
const extract = defineJob({ name: "extract-pages", schema: z.object({}) });
const report = defineJob({ name: "write-report", schema: z.object({}) });

const slow = defineJob({ name: "slow-page", schema: z.object({}) });
const waits = defineJob({ name: "waits", schema: z.object({}) });
/** What slow-page waits for: the second test lets it go once it has seen the flow pending. */
let release = () => {};
const gate = new Promise<void>((resolve) => {
  release = resolve;
});

const rig = await flowRig("cli-tree");
afterAll(async () => {
  release();
  await rig.stop();
});
const env = { AWS_ENDPOINT_URL_DYNAMODB: rig.endpoint, SQS_JOBS_LEDGER_TABLE: undefined };

describe("sqs-jobs jobs get of a flow's root", () => {
  it("shows each flow's counts and its continuation, a stage under the other, in 80 columns", async () => {
    // Given a root whose flow has 3 pages (one dies) and whose continuation starts a flow of 2
    rig.work([
      handle(waits, async (_p, ctx) => {
        // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
        await ctx.flow({ children: [child(slow, {})], then: child(report, {}) });
      }),
      handle(slow, () => gate),
      handle(audit, async (_p, ctx) => {
        await ctx.flow({
          children: [0, 1, 2].map((n) => child(page, { n })),
          // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
          then: child(extract, {}),
          onChildFailure: "continue",
        });
      }),
      handle(page, ({ n }) => {
        if (n === 2) throw new PermanentError("the page is gone");
      }),
      handle(extract, async (_p, ctx) => {
        await ctx.flow({
          children: [3, 4].map((n) => child(page, { n })),
          // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
          then: child(report, {}),
        });
      }),
      handle(report, () => {}),
    ]);
    const root = await rig.jobs.send(audit, {});
    const get = (id: string, ...more: string[]) =>
      runCli(["jobs", "get", id, "--table", rig.tableName, ...more], { env });

    // When the last stage is done and the root is read
    const json = await eventually(
      async () => JSON.parse((await get(root.jobId, "--json")).stdout),
      (j) => j.tree?.flows?.[0]?.continuation?.flows?.[0]?.continuation?.job?.status === "succeeded",
      20_000,
    );
    const table = await get(root.jobId);

    // Then it shows both stages, counted, each continuation by name, id and state
    const first = json.tree.flows[0];
    const second = first.continuation.flows[0];
    expect(table.code).toBe(0);
    expect(widest(table.stdout)).toBeLessThanOrEqual(80);
    const lines = table.stdout.split("\n");
    const at = lines.findIndex((l) => l.startsWith("flows "));
    expect(lines.slice(at, at + 4)).toEqual([
      "flows     flow 3 children (continue): 2 succeeded, 1 dead, 0 pending",
      `          then extract-pages ${first.continuation.job.jobId} succeeded`,
      "            flow 2 children (fail): 2 succeeded, 0 dead, 0 pending",
      `            then write-report ${second.continuation.job.jobId} succeeded`,
    ]);
    // And --json has the same tree, with the flows' ids and counts
    expect(first.flow).toMatchObject({
      total: 3,
      succeeded: 2,
      dead: 1,
      pending: 0,
      onChildFailure: "continue",
    });
    expect(second.flow).toMatchObject({ total: 2, succeeded: 2, thenJobName: "write-report" });

    // And a continuation shows where it sits: its parent and root
    const middle = await get(first.continuation.job.jobId);
    expect(middle.stdout).toMatch(new RegExp(`^parent +${root.jobId}$`, "m"));
  });

  it("says a continuation is not sent yet while the children run", async () => {
    const root = await rig.jobs.send(waits, {});
    const table = await eventually(
      () => runCli(["jobs", "get", root.jobId, "--table", rig.tableName], { env }),
      (t) => t.stdout.includes("pending"),
      20_000,
    );
    release();
    expect(table.stdout).toMatch(/^flows +flow 1 children \(fail\): 0 succeeded, 0 dead, 1 pending$/m);
    expect(table.stdout).toMatch(/^ +then write-report \(not sent: waits for the children\)$/m);
  });
});
