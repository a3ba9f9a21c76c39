import { z } from "zod";
import { defineJob } from "../../../src/index.ts";

export const makeThumbnail = defineJob({
  name: "make-thumbnail",
  schema: z.object({ key: z.string() }),
  result: z.object({ thumbnailKey: z.string() }),
});

export const chargeCard = defineJob({
  name: "charge-card",
  schema: z.object({ orderId: z.string() }),
});
