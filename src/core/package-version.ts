import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * The version in sqs-jobs' own package.json, found by walking up from this file: it sits two
 * levels up in the sources (src/core) and three in the package (dist/src/core).
 */
export async function packageVersion(): Promise<string> {
  let dir = import.meta.dirname;
  for (let depth = 0; depth < 5; depth++) {
    try {
      const parsed: unknown = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
      if (typeof parsed === "object" && parsed !== null && "name" in parsed && parsed.name === "sqs-jobs") {
        return "version" in parsed && typeof parsed.version === "string" ? parsed.version : "unknown";
      }
    } catch {
      // No package.json at this level: keep walking up.
    }
    dir = dirname(dir);
  }
  return "unknown";
}
