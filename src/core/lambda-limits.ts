/**
 * Lambda's Invoke payload limits, which the local Lambda API enforces as AWS does and `call`
 * checks before it invokes, so an oversized call fails the same way locally and on AWS.
 */

/** A synchronous (RequestResponse) Invoke's request body: "6 MB", counted as 6 MiB. */
export const LAMBDA_SYNC_INVOKE_MAX_BYTES = 6_291_456;

/**
 * A synchronous Invoke's response, as Lambda's error for an oversized one states it
 * ("Response payload size exceeded maximum allowed payload size (6291556 bytes).").
 */
export const LAMBDA_SYNC_RESPONSE_MAX_BYTES = 6_291_556;

/** An asynchronous (Event) Invoke's request body: 1 MB, counted as 1 MiB. */
export const LAMBDA_EVENT_INVOKE_MAX_BYTES = 1_048_576;

/**
 * `SendDurableExecutionCallbackSuccess`'s `Result`: 256 KiB. The consumer completes a callback
 * whose job's result is larger with a failure instead (docs/durable.md).
 */
export const DURABLE_CALLBACK_RESULT_MAX_BYTES = 262_144;
