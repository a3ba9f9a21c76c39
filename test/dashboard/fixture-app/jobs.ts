import { z } from "zod";
import { defineJob } from "../../../src/index.ts";

export const sendInvoice = defineJob({
  name: "send-invoice",
  schema: z.object({ customerId: z.string() }),
});

export const resizeImage = defineJob({
  name: "resize-image",
  schema: z.object({ key: z.string() }),
});
