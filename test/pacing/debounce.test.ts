import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, handle } from "../../src/index.ts";
import { sleep } from "../consumer/harness.ts";
import { eventually } from "../helpers/eventually.ts";
import { pacingRig } from "./rig.ts";

const reindex = defineJob({
  name: "reindex",
  schema: z.object({ doc: z.string(), version: z.number().int() }),
  debounce: { key: (p) => p.doc, seconds: 2 },
});

describe("debounce", () => {
  it("of 50 sends of one key inside the window, exactly one job runs, once, with the last payload", async () => {
    // Given two workers, and another key sent alongside
    const { jobs, work, stop } = await pacingRig("debounce-50");
    const ran: { doc: string; version: number }[] = [];
    work([handle(reindex, (p) => void ran.push(p))]);
    work([handle(reindex, (p) => void ran.push(p))]);
    try {
      // When 50 jobs of doc "a" are sent one by one inside the 2 s window, and one of doc "b"
      const sent: { jobId: string }[] = [];
      for (let version = 1; version <= 50; version++)
        sent.push(await jobs.send(reindex, { doc: "a", version }));
      const other = await jobs.send(reindex, { doc: "b", version: 1 });
      const last = sent.at(-1);
      if (last === undefined) throw new Error("nothing sent");

      // Then the last one runs (with the last payload), and each key's others end superseded
      await jobs.waitFor(reindex, last.jobId, { timeoutMs: 30_000 });
      await jobs.waitFor(reindex, other.jobId, { timeoutMs: 30_000 });
      const statuses = () =>
        Promise.all(sent.slice(0, -1).map(async (s) => (await jobs.getJob(reindex, s.jobId))?.status));
      const ended = await eventually(statuses, (all) => all.every((s) => s === "superseded"));
      expect(new Set(ended)).toEqual(new Set(["superseded"]));
      // A waiter of a replaced job learns it will never have a result
      await expect(jobs.waitFor(reindex, sent[0]?.jobId ?? "", { timeoutMs: 5_000 })).rejects.toMatchObject({
        code: "ERR_JOB_SUPERSEDED",
      });
      // Past the window, no late run of "a" shows up
      await sleep(1_000);
      expect(ran.filter((p) => p.doc === "a")).toEqual([{ doc: "a", version: 50 }]);
      expect(ran.filter((p) => p.doc === "b")).toEqual([{ doc: "b", version: 1 }]);
    } finally {
      await stop();
    }
  }, 90_000);

  it("in one sendBatch, the last payload of each key is the one that runs", async () => {
    const { jobs, work, stop } = await pacingRig("debounce-batch");
    const ran: { doc: string; version: number }[] = [];
    work([handle(reindex, (p) => void ran.push(p))]);
    try {
      const payloads = Array.from({ length: 12 }, (_, i) => ({ doc: i % 2 === 0 ? "x" : "y", version: i }));
      const sent = await jobs.sendBatch(reindex, payloads);
      const ids = sent.items.map((item) => (item.ok ? item.jobId : ""));
      await jobs.waitFor(reindex, ids[10] ?? "", { timeoutMs: 30_000 });
      await jobs.waitFor(reindex, ids[11] ?? "", { timeoutMs: 30_000 });
      const statuses = () =>
        Promise.all(ids.slice(0, 10).map(async (id) => (await jobs.getJob(reindex, id))?.status));
      const ended = await eventually(statuses, (all) => all.every((s) => s === "superseded"));
      expect(new Set(ended)).toEqual(new Set(["superseded"]));
      expect(ran.sort((a, b) => a.version - b.version)).toEqual([
        { doc: "x", version: 10 },
        { doc: "y", version: 11 },
      ]);
    } finally {
      await stop();
    }
  }, 90_000);
});
