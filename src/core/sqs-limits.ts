/** SQS's limits that sqs-jobs checks before a call, so a bad request fails here, not at AWS. */

/** Entries in one SendMessageBatch, DeleteMessageBatch or ChangeMessageVisibilityBatch call. */
export const SQS_BATCH_MAX_ENTRIES = 10;

/** SQS's maximum message size since August 2025 (body and attributes together), and a batch's. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/** The longest delay SQS accepts on a message; longer waits need a scheduler. */
export const SQS_MAX_DELAY_SECONDS = 900;

/** The largest `maxReceiveCount` a redrive policy accepts. */
export const SQS_MAX_RECEIVE_COUNT = 1_000;
