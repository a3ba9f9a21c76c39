import type { S3Client } from "@aws-sdk/client-s3";
import { describeAwsError } from "../core/aws-errors.ts";
import { cachedUntilFailure } from "../core/cached-until-failure.ts";
import { DEAD_LETTER_ROOM_BYTES } from "../core/dead-letter-attributes.ts";
import { optionalEnv, payloadBucketEnvVar, topicPayloadBucketEnvVar } from "../core/env.ts";
import { envelopeUtf8 } from "../core/envelope-text.ts";
import { ConfigError, SendError } from "../core/errors.ts";
import type { JobDefinition } from "../core/job.ts";
import { mapLimit } from "../core/map-limit.ts";
import { messageBytes } from "../core/message-size.ts";
import { createS3Client, putPayload } from "../core/payload-objects.ts";
import {
  PAYLOAD_KEY_PREFIX,
  type PayloadPointer,
  pointerAttribute,
  pointerBody,
} from "../core/payload-pointer.ts";
import type { PreparedMessage } from "./message.ts";

/** Where a client's large payloads go (docs/payloads.md). */
export interface PayloadOptions {
  /**
   * The bucket large messages are stored in.
   * @default the environment variable for `queue` (`SQS_JOBS_<QUEUE>_PAYLOAD_BUCKET`, as
   *   `JobQueue({ payloads })` sets it); for a client that only publishes, the one for `topic`
   *   (`SQS_JOBS_<TOPIC>_TOPIC_PAYLOAD_BUCKET`, as `JobTopic({ payloads })` sets it); else
   *   `SQS_JOBS_PAYLOAD_BUCKET`; none if unset: a message too large for the queue is then
   *   refused with `ERR_PAYLOAD_TOO_LARGE`
   */
  readonly bucket?: string;
  /**
   * Messages above this many bytes (as SQS counts them, with the room kept for a dead-letter
   * reason) go through S3; a job's own `payloads.thresholdBytes` wins.
   * @default the queue's maximum message size: only what would not fit goes through S3
   */
  readonly thresholdBytes?: number;
  /**
   * Keys are `<keyPrefix><job name>/<job id>.json`; the bucket's lifecycle rule (JobQueue's)
   * expires only this prefix.
   * @default "sqs-jobs/"
   */
  readonly keyPrefix?: string;
  /** The S3 client. @default one for the SQS (or SNS) client's region that honours `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` */
  readonly s3?: S3Client;
}

/**
 * The send pipeline's offload step: a message above its job's threshold is stored whole in S3
 * and replaced by the SQS Extended Client's pointer (docs/payloads.md), before any key is
 * reserved. An object whose job is then not sent (a unique key already held, a refused send) is
 * left for the bucket's lifecycle rule.
 */
export class PayloadOffload {
  readonly #bucket: string | undefined;
  readonly #thresholdBytes: number | undefined;
  readonly #keyPrefix: string;
  #s3: (() => Promise<S3Client>) | undefined;

  constructor(
    options: PayloadOptions | undefined,
    client: { readonly queue?: string | undefined; readonly topic?: string | undefined },
  ) {
    this.#bucket = options?.bucket ?? bucketFromEnvironment(client);
    this.#thresholdBytes = options?.thresholdBytes;
    this.#keyPrefix = options?.keyPrefix ?? PAYLOAD_KEY_PREFIX;
    const t = this.#thresholdBytes;
    if (t !== undefined && (!Number.isInteger(t) || t < 0)) {
      throw new ConfigError(
        `payloads.thresholdBytes must be a whole number of bytes (0 sends every job through S3), but ${t} was provided`,
      );
    }
    const given = options?.s3;
    if (given !== undefined) this.#s3 = () => Promise.resolve(given);
  }

  /** The largest message the size step lets through: any, once a bucket can take it. */
  sizeLimit(maxMessageBytes: number): number {
    return this.#bucket === undefined ? maxMessageBytes : Number.POSITIVE_INFINITY;
  }

  /** Stores each message above its threshold and returns the messages as they are sent. */
  async offload(
    job: JobDefinition,
    messages: readonly PreparedMessage[],
    link: {
      /** The sending client's region: the S3 client's when none was given. */
      readonly region: () => Promise<string>;
      readonly maxMessageBytes: number;
      readonly concurrency: number;
    },
  ): Promise<readonly PreparedMessage[]> {
    const bucket = this.#bucket;
    if (bucket === undefined) return messages;
    const threshold = Math.min(
      job.payloads?.thresholdBytes ?? this.#thresholdBytes ?? link.maxMessageBytes,
      link.maxMessageBytes,
    );
    if (messages.every((m) => m.sizeBytes <= threshold)) return messages;
    // A failed client creation is not kept: the next send tries again.
    this.#s3 ??= cachedUntilFailure(async () => createS3Client({ region: await link.region() }));
    const s3 = await this.#s3();
    return mapLimit(messages, link.concurrency, async (m) => {
      if (m.sizeBytes <= threshold) return m;
      const pointer = { bucket, key: `${this.#keyPrefix}${job.name}/${m.jobId}.json` };
      // Encoded once here, from its parts: given a string, the SDK encodes it for the checksum
      // and again for the request (about 6 ms more a 2 MiB job, bench/payloads).
      const body = m.envelope === undefined ? Buffer.from(m.body, "utf8") : envelopeUtf8(m.envelope);
      try {
        await putPayload(s3, pointer, body);
      } catch (error) {
        throw new SendError(
          `storing the payload of job "${job.name}" (${m.jobId}) in s3://${bucket} failed, so nothing was sent: ${describeAwsError(error)}`,
          { cause: error, maybeSent: false },
        );
      }
      return pointed(m, pointer, body.byteLength);
    });
  }
}

/**
 * The bucket `JobQueue` or `JobTopic` told the client of. A client with a queue takes the
 * queue's for sends and publishes alike; one that only publishes, its topic's.
 */
function bucketFromEnvironment(client: {
  readonly queue?: string | undefined;
  readonly topic?: string | undefined;
}): string | undefined {
  const topicBucket =
    client.queue === undefined && client.topic !== undefined
      ? optionalEnv(topicPayloadBucketEnvVar(client.topic))
      : undefined;
  return topicBucket ?? optionalEnv(payloadBucketEnvVar(client.queue));
}

/** The message that carries `pointer` instead of its body (of `storedBytes`). */
function pointed(m: PreparedMessage, pointer: PayloadPointer, storedBytes: number): PreparedMessage {
  const body = pointerBody(pointer);
  const attributes = { ...m.attributes, ...pointerAttribute(storedBytes) };
  const { envelope: _stored, ...rest } = m;
  return { ...rest, body, attributes, sizeBytes: messageBytes(body, attributes) + DEAD_LETTER_ROOM_BYTES };
}
