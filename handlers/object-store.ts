import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { ConfigError } from "../src/index.ts";

/**
 * Where the example's consumers read inputs and keep results. An interface so the handlers can run
 * against S3 on AWS, fauxqs's S3 locally, or memory in tests.
 */
export interface ObjectStore {
  exists(key: string, signal: AbortSignal): Promise<boolean>;
  read(key: string, signal: AbortSignal): Promise<string | undefined>;
  write(key: string, body: string, signal: AbortSignal): Promise<void>;
  /** Every key under `prefix`. */
  list(prefix: string, signal: AbortSignal): Promise<string[]>;
}

/** An S3 bucket as an {@link ObjectStore}; honours AWS_ENDPOINT_URL(_S3) for emulators. */
export function s3Store(bucket: string, client: S3Client = createS3Client()): ObjectStore {
  return {
    async exists(key, signal) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        return true;
      } catch (error) {
        if (error instanceof NotFound || error instanceof NoSuchKey) return false;
        throw error;
      }
    },
    async read(key, signal) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
          abortSignal: signal,
        });
        return await out.Body?.transformToString("utf-8");
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
    async write(key, body, signal) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json" }),
        { abortSignal: signal },
      );
    },
    async list(prefix, signal) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const out = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          { abortSignal: signal },
        );
        for (const o of out.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
        token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
      } while (token !== undefined);
      return keys;
    },
  };
}

/**
 * An S3 store whose bucket is read from `variable` on first use, so the module loads (in tests, in
 * `sqs-jobs dev`) before the variable is set.
 */
export function s3StoreFromEnv(variable: string): ObjectStore {
  let store: ObjectStore | undefined;
  const get = (): ObjectStore => {
    if (store !== undefined) return store;
    const bucket = process.env[variable];
    if (bucket === undefined || bucket === "") {
      throw new ConfigError(`the bucket is not configured: set ${variable} (the example stack sets it)`);
    }
    store = s3Store(bucket);
    return store;
  };
  return {
    exists: (key, signal) => get().exists(key, signal),
    read: (key, signal) => get().read(key, signal),
    write: (key, body, signal) => get().write(key, body, signal),
    list: (prefix, signal) => get().list(prefix, signal),
  };
}

/** Emulators serve buckets by path (`http://host/bucket/key`): virtual-host names do not resolve locally. */
function createS3Client(): S3Client {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return endpoint ? new S3Client({ endpoint, forcePathStyle: true }) : new S3Client({});
}

/** An {@link ObjectStore} in memory, for tests and dry runs. */
export function memoryStore(
  objects = new Map<string, string>(),
): ObjectStore & { objects: Map<string, string> } {
  return {
    objects,
    async exists(key) {
      return objects.has(key);
    },
    async read(key) {
      return objects.get(key);
    },
    async write(key, body) {
      objects.set(key, body);
    },
    async list(prefix) {
      return [...objects.keys()].filter((key) => key.startsWith(prefix)).sort();
    },
  };
}
