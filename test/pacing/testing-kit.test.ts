import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, handle } from "../../src/index.ts";
import { startTestApp, type TestApp } from "../../tools/src/testing/index.ts";
import { mostInAnyWindow } from "./rig.ts";

/** The testing kit runs the consumer users deploy, so it paces jobs as a deployed queue does. */
const notify = defineJob({
  name: "notify-partner",
  schema: z.object({ n: z.number().int() }),
  rateLimit: { limit: 2, perSeconds: 1 },
});
const digest = defineJob({
  name: "send-digest",
  schema: z.object({ user: z.string(), events: z.number().int() }),
  debounce: { key: (p) => p.user, seconds: 1 },
});

/** Past SQS's 900 s: the sends go through one-time schedules. */
const hourly = defineJob({
  name: "hourly-digest",
  schema: z.object({ user: z.string(), events: z.number().int() }),
  debounce: { key: (p) => p.user, seconds: 3_600 },
});

const ran: { job: string; at: number; value: number }[] = [];
let app: TestApp<"pacing">;

beforeAll(async () => {
  app = await startTestApp({
    ledger: true,
    queues: [
      {
        name: "pacing",
        handlers: [
          handle(notify, (p) => void ran.push({ job: "notify", at: Date.now(), value: p.n })),
          handle(digest, (p) => void ran.push({ job: "digest", at: Date.now(), value: p.events })),
          handle(hourly, (p) => void ran.push({ job: "hourly", at: Date.now(), value: p.events })),
        ],
      },
    ],
  });
});

afterAll(() => app?.stop());

describe("the testing kit paces jobs", () => {
  it("keeps a rate limit: 6 jobs at 2 a second start over 2.5 s at least, never 3 in a second", async () => {
    const sent = [];
    for (let n = 0; n < 6; n++) sent.push(await app.send(notify, { n }));
    await app.drain({ timeoutMs: 30_000 });
    const starts = [];
    for (const s of sent) starts.push((await app.job(s)).startedAt?.getTime() ?? Number.NaN);
    expect(mostInAnyWindow(starts, 1000)).toBeLessThanOrEqual(2);
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(2_500);
    expect(ran.filter((r) => r.job === "notify")).toHaveLength(6);
  });

  it("debounces: of 5 sends of one key, only the last runs; the others end superseded", async () => {
    const sent = [];
    for (let events = 1; events <= 5; events++) sent.push(await app.send(digest, { user: "ana", events }));
    await app.drain({ timeoutMs: 30_000 });
    expect(ran.filter((r) => r.job === "digest").map((r) => r.value)).toEqual([5]);
    for (const s of sent.slice(0, -1)) expect((await app.job(s)).status).toBe("superseded");
  });

  it("debounces past 900 s through schedules: the last of 3 sends runs an hour later", async () => {
    const sent = [];
    for (let events = 1; events <= 3; events++) sent.push(await app.send(hourly, { user: "bo", events }));
    await app.drain({ timeoutMs: 10_000 });
    expect(ran.filter((r) => r.job === "hourly")).toEqual([]);
    await app.advanceTime(3_700_000);
    await app.drain({ timeoutMs: 30_000 });
    expect(ran.filter((r) => r.job === "hourly").map((r) => r.value)).toEqual([3]);
    for (const s of sent.slice(0, -1)) expect((await app.job(s)).status).toBe("superseded");
  });
});
