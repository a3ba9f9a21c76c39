import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "sqs-jobs/internal/core/errors";

/** The file that marks a directory as one process's (see {@link claimDirectory}). */
export const CLAIM_MARK = "sqs-jobs-dev.pid";

/**
 * Marks `path` as this process's. LevelDB opens a directory in one process at a time, and dynalite
 * does not report a directory it could not open: it throws, uncaught, on the first call. So a second
 * `sqs-jobs dev --persist` on the same directory is refused here, naming the process that has it.
 * A mark left by a process that died is taken over.
 */
export function claimDirectory(path: string, dataDir: string): () => void {
  const mark = join(path, CLAIM_MARK);
  try {
    writeFileSync(mark, String(process.pid), { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number(readFileSync(mark, "utf8"));
    if (isRunning(holder)) {
      throw new ConfigError(
        `--persist directory ${dataDir} is in use by another sqs-jobs dev (process ${holder}): stop that one, or pass another directory`,
      );
    }
    writeFileSync(mark, String(process.pid));
  }
  return () => unlinkSync(mark);
}

/** Whether a process with this id runs (as any user). */
export function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
