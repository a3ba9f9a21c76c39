import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "sqs-jobs/internal/core/errors";
import { CLAIM_MARK, claimDirectory } from "./directory-claim.ts";

/**
 * What `sqs-jobs dev --persist DIR` keeps in DIR, in one place: fauxqs's SQLite database (queues,
 * messages, topics, buckets), dynalite's LevelDB directory (tables, items) and the scheduler's
 * JSON file (schedules).
 */
export const PERSISTED = {
  fauxqs: "fauxqs.db",
  dynamodb: "dynamodb",
  schedules: "schedules.json",
} as const;

/** SQLite's companions of its database file, which go with it. */
const SQLITE_SIDE_FILES = ["-wal", "-shm", "-journal"];

/**
 * A store under `--persist` that cannot be read (damaged, or written by something else): the
 * stack does not start on it, and says which file and how to start again.
 */
export class PersistedStoreError extends ConfigError {
  override readonly name: string = "PersistedStoreError";
  readonly file: string;

  constructor(file: string, what: string, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `${what} ${file} cannot be read (${reason.slice(0, 200)}): rerun sqs-jobs dev with --reset to start from an empty store (it deletes the queues, messages, tables, items and schedules kept there), or restore the directory from a copy`,
      options,
    );
    this.file = file;
  }
}

/**
 * Empties what the stack keeps in `dataDir` (`sqs-jobs dev --reset`), and nothing else there.
 * Refused while another `sqs-jobs dev` runs on the directory.
 */
export function resetPersistedState(dataDir: string): void {
  const dynamodbDir = join(dataDir, PERSISTED.dynamodb);
  mkdirSync(dynamodbDir, { recursive: true });
  const release = claimDirectory(dynamodbDir, dataDir);
  try {
    for (const file of [PERSISTED.fauxqs, ...SQLITE_SIDE_FILES.map((s) => `${PERSISTED.fauxqs}${s}`)]) {
      rmSync(join(dataDir, file), { force: true });
    }
    rmSync(join(dataDir, PERSISTED.schedules), { force: true });
    // The claim's mark stays until released: it is what keeps another dev out meanwhile.
    for (const entry of readdirSync(dynamodbDir)) {
      if (entry !== CLAIM_MARK) rmSync(join(dynamodbDir, entry), { recursive: true, force: true });
    }
  } finally {
    release();
  }
}
