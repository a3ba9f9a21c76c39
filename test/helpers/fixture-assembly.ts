import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { cachedAssembly } from "../../tools/src/testing/assembly-cache.ts";

/** Inside the repository (git-ignored): the bundles leave @aws-sdk/* external and find node_modules above them. */
const CACHE = ".sqs-jobs/fixture-assemblies";

/** A hash of the files beside the fixture app (its handlers and jobs), which cdk.json's watch globs leave out. */
async function fixtureHash(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.isFile()) hash.update(`\0${entry.name}\0`).update(await readFile(join(dir, entry.name)));
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * The cloud assembly of one of the repository's CDK fixture apps (`test/.../app.ts`), synthesized
 * once and shared by every test file that starts it, in this run and the next: the testing kit's
 * assembly cache, which takes a lock so files starting together synthesize once, and keys the
 * assembly by the app command and the sources it bundles (src/, cdk/, the lockfile). The fixture's
 * own files ride in the command as a shell comment, so editing them gives a new key too. Callers
 * read the assembly and never write into it.
 */
export async function fixtureAssembly(appFile: string): Promise<string> {
  const dir = dirname(appFile);
  const { dir: assembly } = await cachedAssembly({
    cwd: process.cwd(),
    app: `npx tsx ${appFile} # ${await fixtureHash(dir)}`,
    cacheDir: join(CACHE, basename(dir)),
  });
  return assembly;
}
