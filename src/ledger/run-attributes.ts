/**
 * The attributes of a job entry that link a running attempt and its producers: a cancel request
 * (`JobClient.cancel` writes it, the attempt's heartbeat reads it) and the handler's progress.
 */

/** When a cancel request was made (ISO), on a running job's entry; it stays once the job ends. */
export const CANCEL_ATTRIBUTE = "cancelRequestedAt";
/** The JSON of the latest `ctx.progress` value. */
export const PROGRESS_ATTRIBUTE = "progress";
