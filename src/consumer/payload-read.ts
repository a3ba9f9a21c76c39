import type { S3Client } from "@aws-sdk/client-s3";
import { optionalEnv, payloadBucketEnvVar } from "../core/env.ts";
import { PayloadMissingError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import { deletePayload, environmentS3, getPayload, putPayload } from "../core/payload-objects.ts";
import { PAYLOAD_KEY_PREFIX, parsePointer, pointerBody } from "../core/payload-pointer.ts";
import { describeError } from "./describe-error.ts";
import { MAX_RESULT_BYTES } from "./job-result.ts";
import type { LevelLogger } from "./logger.ts";

/**
 * What a delivery's body reads as: the body itself, or for a pointer (docs/payloads.md) the body
 * stored in S3. `poison`: the pointer is malformed or its object is gone, so no retry can read
 * it; otherwise S3 failed (throttled, down, access refused) and a later try may succeed.
 */
export type ReadBody =
  | { readonly ok: true; readonly body: string }
  | { readonly ok: false; readonly poison: boolean; readonly error: unknown };

/**
 * The consumer's side of payloads through S3: a pointer body is replaced by the stored body
 * before anything else reads it, so the envelope, validation and the handler see the job as it
 * was sent, on the worker and in Lambda alike. The S3 SDK and client are made on the first
 * pointer, so a consumer of small jobs never loads them.
 */
export class PayloadReader {
  readonly #s3: () => Promise<S3Client>;
  /** Where results too large for the ledger go: `SQS_JOBS_PAYLOAD_BUCKET`, as `JobQueue` sets it. */
  readonly #resultBucket: string | undefined;

  constructor(options: { readonly s3?: S3Client; readonly resultBucket?: string } = {}) {
    const { s3 } = options;
    this.#s3 = s3 === undefined ? environmentS3 : () => Promise.resolve(s3);
    this.#resultBucket = options.resultBucket ?? optionalEnv(payloadBucketEnvVar());
  }

  /** The largest result kept inline in the ledger: any, once a bucket can take the rest. */
  get resultLimit(): number {
    return this.#resultBucket === undefined ? MAX_RESULT_BYTES : Number.POSITIVE_INFINITY;
  }

  /**
   * The result as the ledger keeps it: its JSON, or past {@link MAX_RESULT_BYTES} the pointer to
   * an object holding it (`sqs-jobs/<job name>/<job id>.result.json`), which `getJob`, `waitFor`
   * and `call` read back. A failed put throws: the attempt fails and is retried.
   */
  async storeResult(jobName: string, jobId: string, json: string | undefined): Promise<string | undefined> {
    const bucket = this.#resultBucket;
    if (json === undefined || bucket === undefined || Buffer.byteLength(json, "utf8") <= MAX_RESULT_BYTES) {
      return json;
    }
    const pointer = { bucket, key: `${PAYLOAD_KEY_PREFIX}${jobName}/${jobId}.result.json` };
    await putPayload(await this.#s3(), pointer, Buffer.from(json, "utf8"));
    return pointerBody(pointer);
  }

  async read(body: string): Promise<ReadBody> {
    let pointer: ReturnType<typeof parsePointer>;
    try {
      pointer = parsePointer(body);
    } catch (error) {
      return { ok: false, poison: true, error };
    }
    if (pointer === undefined) return { ok: true, body };
    try {
      return { ok: true, body: await getPayload(await this.#s3(), pointer) };
    } catch (error) {
      return { ok: false, poison: error instanceof PayloadMissingError, error };
    }
  }

  /**
   * After a job's success, deletes its object when the job says so. A failure is logged, never
   * thrown: the job did succeed, and the bucket's lifecycle rule removes the object later.
   */
  async succeeded(
    job: Pick<JobDefinition, "name" | "payloads">,
    body: string,
    log: LevelLogger,
  ): Promise<void> {
    if (job.payloads?.deleteAfterSuccess !== true) return;
    const pointer = parsePointer(body);
    if (pointer === undefined) return;
    try {
      await deletePayload(await this.#s3(), pointer);
    } catch (error) {
      log.warn("sqs-jobs could not delete a succeeded job's payload from S3; the lifecycle rule will", {
        jobName: job.name,
        error: describeError(error).message,
      });
    }
  }
}
