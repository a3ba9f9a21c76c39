import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, handle } from "../../src/index.ts";
import { startTestApp } from "../../tools/src/testing/index.ts";
import { eventually } from "../helpers/eventually.ts";

const crawl = defineJob({
  name: "crawl-site",
  schema: z.object({ site: z.string() }),
  timeoutSeconds: 60,
  retry: { maxAttempts: 1 },
});

describe("the testing kit and cancellation", () => {
  it("cancels a queued job and a running one: both end cancelled, nothing dead-lettered", async () => {
    // Given an app whose handler reports progress until its signal aborts
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    const ran: string[] = [];
    await using app = await startTestApp({
      ledger: true,
      queues: [
        {
          name: "crawls",
          consumer: { logLevel: "silent" },
          handlers: [
            handle(crawl, async (payload, ctx) => {
              ran.push(payload.site);
              ctx.progress({ pages: 1 });
              started();
              await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
              throw ctx.signal.reason;
            }),
          ],
        },
      ],
    });
    // When one job runs and another waits, and both are cancelled
    const first = await app.send(crawl, { site: "a.example" });
    await running;
    const second = await app.send(crawl, { site: "b.example" }, { delaySeconds: 60 });
    expect(await app.cancel(second)).toEqual({ outcome: "cancelled" });
    expect(await app.cancel(first)).toEqual({ outcome: "cancelling" });
    // Then the running one stops within seconds, the waiting one never runs
    const state = await eventually(
      () => app.job(first),
      (s) => s.status === "cancelled",
      10_000,
    );
    expect(state).toMatchObject({ status: "cancelled", progress: { pages: 1 } });
    await app.advanceTime(61_000);
    await app.drain();
    expect(ran).toEqual(["a.example"]);
    expect(await app.job(second)).toMatchObject({ status: "cancelled", attempts: 0 });
    expect(await app.dlq("crawls")).toEqual([]);
  });
});
