import { createSqsHandler, handle, PermanentError } from "../../../src/index.ts";
import { chargeCard, makeThumbnail } from "./jobs.ts";

// Thumbnails succeed with a result; card charges die on their first attempt.
export const handler = createSqsHandler([
  handle(makeThumbnail, async ({ key }) => ({ thumbnailKey: `thumbs/${key}` })),
  handle(chargeCard, async () => {
    throw new PermanentError("the card was declined");
  }),
]);
