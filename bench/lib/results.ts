import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Writes a results file as stable, diff-friendly JSON (two-space indent, trailing newline). */
export async function writeResults(path: string, results: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}
