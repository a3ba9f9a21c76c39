/** SNS's limits that sqs-jobs checks before a call, so a bad publish fails here, not at AWS. */

/** A published message's largest size (body and attributes together), and a PublishBatch's total. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

/** Entries in one PublishBatch call. */
export const SNS_BATCH_MAX_ENTRIES = 10;
