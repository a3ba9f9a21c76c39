import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { chain, child, defineJob, type FlowChild, handle, PermanentError } from "../../src/index.ts";
import { flowRig } from "./rig.ts";

const part = defineJob({
  name: "part",
  schema: z.object({ n: z.number().int() }),
  result: z.object({ doubled: z.number() }),
  retry: { maxAttempts: 1 },
});
const merge = defineJob({ name: "merge", schema: z.object({}) });

const fetchStep = defineJob({
  name: "fetch-step",
  schema: z.object({ url: z.string() }),
  result: z.object({ html: z.string() }),
});
const parseStep = defineJob({
  name: "parse-step",
  schema: z.object({ html: z.string() }),
  result: z.object({ words: z.number() }),
});
const storeStep = defineJob({
  name: "store-step",
  schema: z.object({ words: z.number() }),
  result: z.object({ stored: z.boolean() }),
});

/** A flow of 6 parts, parts 1 and 4 dead, under `policy`; what the continuation saw, or its death. */
async function flowWithDeadChildren(policy: "fail" | "continue" | "ignore") {
  const { jobs, work, stop } = await flowRig(`flow-policy-${policy}`);
  const seen: FlowChild<{ doubled: number }>[] = [];
  let runs = 0;
  work([
    handle(part, (p) => {
      if (p.n === 1 || p.n === 4) throw new PermanentError(`part ${p.n} is broken`);
      return { doubled: p.n * 2 };
    }),
    handle(merge, async (_p, ctx) => {
      runs++;
      for await (const page of ctx.childResults(part)) seen.push(...page);
    }),
  ]);
  try {
    const started = await jobs.flow({
      children: Array.from({ length: 6 }, (_, n) => child(part, { n }, { key: `part-${n}` })),
      // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
      then: child(merge, {}),
      onChildFailure: policy,
    });
    await vi.waitFor(
      async () => expect((await jobs.getJob(merge, started.thenJobId))?.status).toMatch(/succeeded|dead/),
      { timeout: 20_000, interval: 200 },
    );
    const state = await jobs.getJob(merge, started.thenJobId);
    const progress = await jobs.getFlow(started.flowId);
    return { state, seen, runs, progress, started };
  } finally {
    await stop();
  }
}

describe("failure policies", () => {
  it("fail (the default's behaviour): the continuation is dead, its reason names the dead children", async () => {
    const { state, runs, progress, started } = await flowWithDeadChildren("fail");
    expect(runs).toBe(0);
    expect(state?.status).toBe("dead");
    expect(state?.failure?.message).toContain("2 dead children");
    expect(state?.failure?.message).toContain("(key part-1)");
    expect(state?.failure?.message).toContain("(key part-4)");
    expect(state?.failure?.message).toContain(started.childIds[1]);
    expect(progress).toMatchObject({ total: 6, succeeded: 4, dead: 2, pending: 0 });
  });

  it("continue: the continuation runs once and sees the dead children with their failure", async () => {
    const { state, runs, seen } = await flowWithDeadChildren("continue");
    expect(state?.status).toBe("succeeded");
    expect(runs).toBe(1);
    expect(seen.map((c) => [c.key, c.status])).toEqual([
      ["part-0", "succeeded"],
      ["part-1", "dead"],
      ["part-2", "succeeded"],
      ["part-3", "succeeded"],
      ["part-4", "dead"],
      ["part-5", "succeeded"],
    ]);
    const dead = seen.find((c) => c.status === "dead");
    expect(dead?.status === "dead" ? dead.failure?.message : undefined).toBe("part 1 is broken");
  });

  it("ignore: the continuation runs once and sees only the children that succeeded", async () => {
    const { state, runs, seen } = await flowWithDeadChildren("ignore");
    expect(state?.status).toBe("succeeded");
    expect(runs).toBe(1);
    expect(seen.map((c) => (c.status === "succeeded" ? c.result.doubled : -1))).toEqual([0, 4, 6, 10]);
  });
});

describe("chains", () => {
  it("runs three typed steps in order, each taking the result of the step before", async () => {
    const { jobs, work, stop } = await flowRig("flow-chain");
    const order: string[] = [];
    work([
      handle(fetchStep, (p) => {
        order.push("fetch");
        return { html: `<p>${p.url} has four words</p>` };
      }),
      handle(parseStep, (p) => {
        order.push("parse");
        return { words: p.html.replace(/<[^>]+>/g, "").split(" ").length };
      }),
      handle(storeStep, (p) => {
        order.push(`store ${p.words}`);
        return { stored: true };
      }),
    ]);
    try {
      const started = await jobs.flow(
        chain(fetchStep, { url: "a.html" }).andThen(parseStep).andThen(storeStep),
      );
      const [fetchId] = started.childIds;
      await vi.waitFor(() => expect(order).toHaveLength(3), { timeout: 20_000, interval: 200 });
      expect(order).toEqual(["fetch", "parse", "store 4"]);
      // The tree: fetch is the chain's child; parse is fetch's child; store is parse's.
      const fetched = await jobs.getJob(fetchStep, fetchId as string);
      expect(fetched).toMatchObject({ status: "succeeded", rootId: started.rootId });
    } finally {
      await stop();
    }
  });
});
