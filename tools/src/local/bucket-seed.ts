import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { ConfigError } from "sqs-jobs/internal/core/errors";

/** Files to put in a local bucket at start: every file under `dir`, keyed by its path in it. */
export interface BucketSeed {
  /** The bucket's local name, or its logical id without CDK's hash (`Bucket`, `MediaUploads`). */
  readonly bucket: string;
  readonly dir: string;
}

/** Reads `BUCKET=DIR`, the form of `sqs-jobs dev --seed`. */
export function parseBucketSeed(value: string): BucketSeed {
  const at = value.indexOf("=");
  if (at <= 0 || at === value.length - 1) {
    throw new ConfigError(
      `--seed takes BUCKET=DIR (for example --seed Bucket=fixtures/bucket), not "${value}"`,
    );
  }
  return { bucket: value.slice(0, at), dir: value.slice(at + 1) };
}

/** CDK's logical ids end in 8 hex digits of hash; what comes before is the construct's path. */
const withoutHash = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, "");

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Puts each seed's files into its bucket through the local endpoint (S3 path-style), so an app's
 * first run finds the inputs it needs. Returns what it put, per bucket.
 */
export async function seedBuckets(
  endpoint: string,
  buckets: readonly { readonly logicalId: string; readonly name: string }[],
  seeds: readonly BucketSeed[],
  cwd: string,
): Promise<{ bucket: string; keys: string[] }[]> {
  const done: { bucket: string; keys: string[] }[] = [];
  for (const seed of seeds) {
    const bucket = buckets.find(
      (b) =>
        b.name === seed.bucket || b.logicalId === seed.bucket || withoutHash(b.logicalId) === seed.bucket,
    );
    if (bucket === undefined) {
      const known = buckets.map((b) => `${withoutHash(b.logicalId)} (${b.name})`).join(", ") || "none";
      throw new ConfigError(
        `--seed names bucket "${seed.bucket}", which the app does not have; its buckets: ${known}`,
      );
    }
    const dir = join(cwd, seed.dir);
    let files: string[];
    try {
      files = await filesUnder(dir);
    } catch (cause) {
      throw new ConfigError(`--seed ${seed.bucket}=${seed.dir}: cannot read the directory ${dir}`, { cause });
    }
    const keys: string[] = [];
    for (const file of files) {
      const key = relative(dir, file).split(sep).join("/");
      const path = key.split("/").map(encodeURIComponent).join("/");
      const answer = await fetch(`${endpoint}/${bucket.name}/${path}`, {
        method: "PUT",
        body: await readFile(file),
      });
      if (!answer.ok)
        throw new ConfigError(`--seed: putting ${key} into ${bucket.name} failed (HTTP ${answer.status})`);
      keys.push(key);
    }
    done.push({ bucket: bucket.name, keys });
  }
  return done;
}
