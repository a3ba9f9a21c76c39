/** A job's settings for payloads stored in S3 (docs/payloads.md). */
export interface JobPayloadOptions {
  /**
   * Messages above this many bytes (body, attributes and the room kept for a dead-letter reason,
   * as SQS counts them) go through S3, when the client has a payload bucket. At most the queue's
   * maximum message size.
   * @default the client's `payloads.thresholdBytes`, else the queue's maximum message size
   */
  readonly thresholdBytes?: number;
  /**
   * Delete a job's S3 object once the job succeeded, instead of leaving it to the bucket's
   * lifecycle rule. Leave it off when another reader (an extended client on a second
   * subscription, an audit) needs the object after the job.
   * @default false
   */
  readonly deleteAfterSuccess?: boolean;
}

/** Adds to `problems` what is wrong with a job's `payloads`. */
export function checkJobPayloads(payloads: JobPayloadOptions | undefined, problems: string[]): void {
  if (payloads === undefined) return;
  const { thresholdBytes, deleteAfterSuccess } = payloads;
  if (thresholdBytes !== undefined && (!Number.isInteger(thresholdBytes) || thresholdBytes < 0)) {
    problems.push(
      `payloads.thresholdBytes must be a whole number of bytes (0 sends every job through S3), but ${thresholdBytes} was provided`,
    );
  }
  if (deleteAfterSuccess !== undefined && typeof deleteAfterSuccess !== "boolean") {
    problems.push(
      `payloads.deleteAfterSuccess must be true or false, but a ${typeof deleteAfterSuccess} was provided`,
    );
  }
}
