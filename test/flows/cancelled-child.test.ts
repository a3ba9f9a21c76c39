import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { child, defineJob, type FlowChild, handle } from "../../src/index.ts";
import { flowRig } from "./rig.ts";

const part = defineJob({
  name: "cancellable-part",
  schema: z.object({ n: z.number().int() }),
  result: z.object({ n: z.number() }),
});
const gather = defineJob({ name: "gather", schema: z.object({}) });

describe("a child that ends cancelled", () => {
  it("counts as failed in its flow: the continuation runs once and sees it cancelled", async () => {
    // Given a flow of 3 children, one cancelled before any consumer took it
    const { jobs, work, stop } = await flowRig("flow-cancelled-child");
    const seen: FlowChild<{ n: number }>[] = [];
    let runs = 0;
    try {
      const started = await jobs.flow({
        children: [0, 1, 2].map((n) => child(part, { n }, { key: `part-${n}` })),
        // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
        then: child(gather, {}),
        onChildFailure: "continue",
      });
      const cancelled = await jobs.cancel(started.childIds[1] ?? "");
      expect(cancelled).toEqual({ outcome: "cancelled" });

      // When a worker takes the queue
      work([
        handle(part, (p) => ({ n: p.n })),
        handle(gather, async (_p, ctx) => {
          runs++;
          for await (const page of ctx.childResults(part)) seen.push(...page);
        }),
      ]);

      // Then the flow completes: the continuation ran once, and saw the cancelled child as such
      await vi.waitFor(
        async () => expect((await jobs.getJob(gather, started.thenJobId))?.status).toBe("succeeded"),
        { timeout: 20_000, interval: 200 },
      );
      expect(runs).toBe(1);
      expect(seen.map((c) => [c.key, c.status])).toEqual([
        ["part-0", "succeeded"],
        ["part-1", "cancelled"],
        ["part-2", "succeeded"],
      ]);
      expect(await jobs.getFlow(started.flowId)).toMatchObject({
        total: 3,
        succeeded: 2,
        dead: 1,
        pending: 0,
      });
    } finally {
      await stop();
    }
  });

  it("counts once as failed when it is cancelled while it runs: its signal aborts, the continuation runs once", async () => {
    // Given a flow of 3 children, one of which runs until its signal aborts
    const { jobs, work, stop } = await flowRig("flow-cancelled-running");
    const seen: FlowChild<{ n: number }>[] = [];
    let runs = 0;
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    work([
      handle(part, async (p, ctx) => {
        if (p.n !== 1) return { n: p.n };
        started();
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        throw ctx.signal.reason;
      }),
      handle(gather, async (_p, ctx) => {
        runs++;
        for await (const page of ctx.childResults(part)) seen.push(...page);
      }),
    ]);
    try {
      const flow = await jobs.flow({
        children: [0, 1, 2].map((n) => child(part, { n }, { key: `part-${n}` })),
        // biome-ignore lint/suspicious/noThenProperty: a flow's continuation is data, never a function
        then: child(gather, {}),
        onChildFailure: "continue",
      });
      await running;
      await vi.waitFor(
        async () => expect(await jobs.getFlow(flow.flowId)).toMatchObject({ succeeded: 2, pending: 1 }),
        { timeout: 10_000, interval: 100 },
      );

      // When it is cancelled while it runs
      expect(await jobs.cancel(flow.childIds[1] ?? "")).toEqual({ outcome: "cancelling" });

      // Then it ends cancelled, counted once as dead, and the continuation runs once and sees it
      await vi.waitFor(
        async () => expect((await jobs.getJob(gather, flow.thenJobId))?.status).toBe("succeeded"),
        { timeout: 20_000, interval: 200 },
      );
      expect(await jobs.getJob(part, flow.childIds[1] ?? "")).toMatchObject({
        status: "cancelled",
        attempts: 1,
      });
      expect(await jobs.getFlow(flow.flowId)).toMatchObject({ total: 3, succeeded: 2, dead: 1, pending: 0 });
      expect(runs).toBe(1);
      expect(seen.map((c) => [c.key, c.status])).toEqual([
        ["part-0", "succeeded"],
        ["part-1", "cancelled"],
        ["part-2", "succeeded"],
      ]);
    } finally {
      await stop();
    }
  }, 60_000);
});
