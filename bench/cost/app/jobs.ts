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
