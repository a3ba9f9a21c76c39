import { describeAwsError } from "../core/aws-errors.ts";
import { mapLimit } from "../core/map-limit.ts";
import { createS3Client, getPayload } from "../core/payload-objects.ts";
import type { ClientTarget } from "../core/sqs-connect.ts";
import type { DeadLetterRecord } from "./dead-letter-record.ts";

/** A dead-lettered record with the envelope its S3 pointer names, read on request. */
export type WithStoredBody<R> = R & {
  /** The stored envelope, when the record is a pointer and its object could be read. */
  readonly storedBody?: string;
  /** Why it could not be read (the object is gone, S3 refused). */
  readonly storedBodyError?: string;
};

/** Objects read at once: a peek shows up to 1,000 records. */
const READS_AT_ONCE = 8;

/**
 * Reads the object of each record that is an S3 pointer (docs/payloads.md), for `dlq peek
 * --payloads`: the DLQ holds the pointer, and the job is in S3. Records without one are
 * returned as they are; a failed read is reported on its record, never thrown.
 */
export async function withStoredBodies<R extends DeadLetterRecord>(
  records: readonly R[],
  target: ClientTarget,
): Promise<WithStoredBody<R>[]> {
  if (records.every((r) => r.payloadPointer === undefined)) return [...records];
  const s3 = await createS3Client(target);
  try {
    return await mapLimit(records, READS_AT_ONCE, async (r): Promise<WithStoredBody<R>> => {
      if (r.payloadPointer === undefined) return r;
      try {
        return { ...r, storedBody: await getPayload(s3, r.payloadPointer) };
      } catch (error) {
        return { ...r, storedBodyError: describeAwsError(error) };
      }
    });
  } finally {
    s3.destroy();
  }
}
