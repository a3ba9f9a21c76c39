import { z } from "zod";
import { defineJob } from "../../../src/index.ts";

/** Each scenario's job: the same small payload (about 100 bytes), a handler that does nothing. */
const payload = z.object({ orderId: z.string(), note: z.string() });

export const plainJob = defineJob({ name: "plain", schema: payload });
export const trackedJob = defineJob({ name: "tracked", schema: payload });
export const uniqueJob = defineJob({
  name: "unique",
  schema: payload,
  unique: { key: (p) => p.orderId, windowSeconds: 3_600 },
});
export const laterJob = defineJob({ name: "later", schema: payload });
export const calledJob = defineJob({ name: "called", schema: payload });
export const childJob = defineJob({ name: "child", schema: payload });
export const flowDoneJob = defineJob({ name: "flow-done", schema: z.object({ orderId: z.string() }) });
/** Offloaded at 1 KiB, so the bench's small payloads go through S3: requests, not bytes, are counted. */
export const offloadedJob = defineJob({
  name: "offloaded",
  schema: z.object({ orderId: z.string(), note: z.string(), blob: z.string() }),
  payloads: { thresholdBytes: 1_024, deleteAfterSuccess: true },
});
/** A limit the bench never reaches: the common path's cost, one conditional write a start. */
export const rateLimitedJob = defineJob({
  name: "rate-limited",
  schema: payload,
  rateLimit: { limit: 500, perSeconds: 1 },
});
/** Published to the cost app's topic, whose one subscription is the tracked queue. */
export const publishedJob = defineJob({ name: "published", schema: payload });
