import type { S3Client } from "@aws-sdk/client-s3";
import { isObjectMissing } from "./aws-errors.ts";
import { cachedUntilFailure } from "./cached-until-failure.ts";
import { PayloadMissingError } from "./errors.ts";
import { loadOptionalPeer } from "./optional-peer.ts";
import { type PayloadPointer, parsePointer } from "./payload-pointer.ts";
import { type ClientTarget, clientConfig } from "./sqs-connect.ts";

/**
 * The S3 calls of payloads past one message (docs/payloads.md): put a body, get it back, delete
 * it. `@aws-sdk/client-s3` is an optional peer, loaded the first time a large payload needs it.
 */

type S3Module = typeof import("@aws-sdk/client-s3");

const loadS3Sdk: () => Promise<S3Module> = cachedUntilFailure(() =>
  loadOptionalPeer("@aws-sdk/client-s3", "sending payloads through S3", () => import("@aws-sdk/client-s3")),
);

/**
 * The S3 client sqs-jobs creates when the caller passes none. With an endpoint set (`sqs-jobs
 * dev`, LocalStack) it addresses buckets by path: their virtual-host names (`bucket.localhost`)
 * do not resolve.
 */
export async function createS3Client(target: ClientTarget = {}): Promise<S3Client> {
  const sdk = await loadS3Sdk();
  const config = clientConfig(target, "S3");
  return new sdk.S3Client(config.endpoint === undefined ? config : { ...config, forcePathStyle: true });
}

/**
 * The S3 client of readers that were given none (a consumer, `getJob`): one per process, made on
 * the first pointer, from the environment.
 */
export const environmentS3: () => Promise<S3Client> = cachedUntilFailure(() => createS3Client());

/**
 * A stored result (docs/payloads.md): the ledger holds a pointer where the result's JSON was too
 * large for its item; anything else is the result's JSON itself.
 */
export async function resultText(json: string, s3: () => Promise<S3Client> = environmentS3): Promise<string> {
  const pointer = parsePointer(json);
  return pointer === undefined ? json : getPayload(await s3(), pointer);
}

/**
 * Stores one message body (its UTF-8 bytes, or a string the SDK encodes). The bucket's default
 * encryption (SSE-S3 or its KMS key) applies.
 */
export async function putPayload(
  s3: S3Client,
  pointer: PayloadPointer,
  body: string | Uint8Array,
): Promise<void> {
  const sdk = await loadS3Sdk();
  await s3.send(
    new sdk.PutObjectCommand({
      Bucket: pointer.bucket,
      Key: pointer.key,
      Body: body,
      ContentType: "application/json",
    }),
  );
}

/**
 * Reads a stored body back.
 * @throws {PayloadMissingError} the object or its bucket is not there
 */
export async function getPayload(s3: S3Client, pointer: PayloadPointer): Promise<string> {
  const sdk = await loadS3Sdk();
  try {
    const answer = await s3.send(new sdk.GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
    if (answer.Body === undefined) throw new sdk.NoSuchKey({ message: "empty answer", $metadata: {} });
    return await answer.Body.transformToString("utf8");
  } catch (error) {
    if (!isObjectMissing(error)) throw error;
    throw new PayloadMissingError(
      `the message's payload is stored in S3, but s3://${pointer.bucket}/${pointer.key} is not there (deleted, expired by the bucket's lifecycle rule, or never written): it cannot be read, so the job cannot run`,
      { cause: error },
    );
  }
}

/** Deletes a stored body; deleting one that is gone already succeeds (S3 answers 204 either way). */
export async function deletePayload(s3: S3Client, pointer: PayloadPointer): Promise<void> {
  const sdk = await loadS3Sdk();
  await s3.send(new sdk.DeleteObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
}
