import * as z from "zod/mini";
import { defineJob } from "../../src/index.ts";

/** A quick job with a result, so the round trip is what `call` adds around one invoke. */
export const squareJob = defineJob({
  name: "square",
  schema: z.object({ n: z.number() }),
  result: z.object({ square: z.number() }),
});
