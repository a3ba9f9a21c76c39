import { createSqsHandler, handle } from "../src/index.ts";
import { BUCKET_ENV } from "./env.ts";
import { sendEmail } from "./jobs/send-email.ts";
import { type ObjectStore, s3StoreFromEnv } from "./object-store.ts";

/**
 * The `send-email` handler. The example "sends" by writing the message to the bucket's `outbox/`,
 * keyed by job id so a redelivery sends nothing twice; put your mail provider's call here.
 */
export function sendEmailHandler(outbox: ObjectStore) {
  return handle(sendEmail, async (payload, ctx) => {
    const key = `outbox/${ctx.jobId}.json`;
    if (await outbox.exists(key, ctx.signal)) return;
    const message = { ...payload, jobId: ctx.jobId, attempt: ctx.attempt, sentAt: new Date().toISOString() };
    await outbox.write(key, JSON.stringify(message), ctx.signal);
    // The recipient is personal data: log the job, not the address.
    ctx.logger.info("email sent", { key });
  });
}

export const handler = createSqsHandler([sendEmailHandler(s3StoreFromEnv(BUCKET_ENV))]);
