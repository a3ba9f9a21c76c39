/**
 * The event `JobClient.call` invokes a consumer function with: the job's envelope, as a message
 * body would carry it. The Lambda handler answers it with a `CallResponse` instead of a batch
 * response.
 */
export interface CallEvent {
  readonly "sqs-jobs": "call";
  readonly body: string;
  /**
   * How long the consumer may wait for a concurrency slot of the job's key before it answers
   * that the job did not start: the caller's time budget less the job's timeout. @default 0
   */
  readonly waitMs?: number;
}

export function isCallEvent(event: unknown): event is CallEvent {
  return (
    typeof event === "object" &&
    event !== null &&
    (event as { "sqs-jobs"?: unknown })["sqs-jobs"] === "call" &&
    typeof (event as { body?: unknown }).body === "string"
  );
}

/**
 * How a call ended, as the Lambda function answers it (JSON). `started: false`: the job did not
 * run (no concurrency slot within the call's wait, the ledger out of reach); otherwise a failed
 * call ran and failed.
 */
export type CallResponse =
  | { readonly ok: true; readonly jobId: string; readonly resultJson: string | undefined }
  | {
      readonly ok: false;
      readonly jobId: string;
      readonly error: CallErrorFields;
      readonly started?: false;
    };

/** A failed call's error: what a thrown error becomes on the way back to the caller. */
export interface CallErrorFields {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
}
