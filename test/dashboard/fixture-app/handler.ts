import { createSqsHandler, handle, PermanentError } from "../../../src/index.ts";
import { resizeImage, sendInvoice } from "./jobs.ts";

// Every job dies on its first attempt, so the DLQ fills in a second: a send-invoice whose
// payload breaks its schema is poison before the handler runs; a resize-image fails for good.
export const handler = createSqsHandler([
  handle(sendInvoice, async () => {}),
  handle(resizeImage, async () => {
    throw new PermanentError("the image is gone");
  }),
]);
