import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { child, defineJob, handle } from "../../src/index.ts";
import { flowRig } from "./rig.ts";

const item = defineJob({
  name: "item",
  schema: z.object({ n: z.number().int() }),
  result: z.object({ square: z.number() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 1 } },
});
const parent = defineJob({
  name: "parent",
  schema: z.object({ count: z.number().int() }),
  retry: { maxAttempts: 3, backoff: { type: "fixed", seconds: 1 } },
});
const total = defineJob({ name: "total", schema: z.object({ label: z.string() }) });

describe("child jobs", () => {
  it("a parent that throws after sending half its children, retried, sends each child exactly once", async () => {
    const { jobs, work, stop } = await flowRig("flow-retried-parent");
    const runs = new Map<number, number>();
    const parents: string[] = [];
    let attempts = 0;
    work([
      handle(parent, async (p, ctx) => {
        attempts++;
        for (let n = 0; n < p.count; n++) {
          // The first attempt dies half-way: its children so far are sent, the rest are not.
          if (ctx.attempt === 1 && n === p.count / 2) throw new Error("crash half-way");
          await ctx.send(item, { n }, { key: `item-${n}` });
        }
      }),
      handle(item, (p, ctx) => {
        runs.set(p.n, (runs.get(p.n) ?? 0) + 1);
        parents.push(ctx.jobId);
        return { square: p.n * p.n };
      }),
    ]);
    try {
      const { jobId } = await jobs.send(parent, { count: 10 });
      await vi.waitFor(() => expect(runs.size).toBe(10), { timeout: 20_000, interval: 200 });
      // Time for any duplicate child to run: the parent's second attempt is done and its sends settled.
      await vi.waitFor(async () => expect((await jobs.getJob(parent, jobId))?.status).toBe("succeeded"), {
        timeout: 10_000,
        interval: 200,
      });
      await new Promise((r) => setTimeout(r, 1_500));
      expect(attempts).toBe(2);
      expect([...runs.values()]).toEqual(new Array(10).fill(1));
      const someChild = await jobs.getJob(item, parents[0] as string);
      expect(someChild).toMatchObject({ parentId: jobId, rootId: jobId, status: "succeeded" });
    } finally {
      await stop();
    }
  });

  it("a flow's continuation runs once, when every child succeeded, and reads their typed results", async () => {
    const { jobs, work, stop } = await flowRig("flow-fan-in");
    const seen: number[] = [];
    let continuations = 0;
    work([
      handle(item, (p) => ({ square: p.n * p.n })),
      handle(total, async (p, ctx) => {
        continuations++;
        for await (const page of ctx.childResults(item, { pageSize: 7 })) {
          for (const c of page) if (c.status === "succeeded") seen.push(c.result.square);
        }
        expect(p.label).toBe("sum");
      }),
    ]);
    try {
      const started = await jobs.flow({
        children: Array.from({ length: 25 }, (_, n) => child(item, { n })),
        // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
        then: child(total, { label: "sum" }),
      });
      await vi.waitFor(
        async () => expect((await jobs.getJob(total, started.thenJobId))?.status).toBe("succeeded"),
        { timeout: 20_000, interval: 200 },
      );
      expect(continuations).toBe(1);
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, n) => n * n));
      const progress = await jobs.getFlow(started.flowId);
      expect(progress).toMatchObject({
        total: 25,
        succeeded: 25,
        dead: 0,
        pending: 0,
        onChildFailure: "fail",
      });
      expect(progress?.completedAt).toBeInstanceOf(Date);
    } finally {
      await stop();
    }
  });
});
