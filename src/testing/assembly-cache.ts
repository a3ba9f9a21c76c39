import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { appCommand, readCdkJson, synthesize } from "../local/synth.ts";
import { synthKey } from "./synth-inputs.ts";

export interface CachedAssembly {
  /** The cloud assembly's directory. */
  readonly dir: string;
  /** The key it is cached under (see {@link synthKey}). */
  readonly key: string;
  /** False when it came from the cache. */
  readonly synthesized: boolean;
}

/**
 * The app's cloud assembly, synthesized once per {@link synthKey} and kept under
 * `<cwd>/<cacheDir>/<key>`. A synth writes into a directory of its own and is renamed into place
 * when complete, so test files synthesizing at the same time never see a half-written assembly:
 * the first rename wins, and the other synths are thrown away.
 */
export async function cachedAssembly(options: {
  readonly cwd: string;
  readonly app: string | undefined;
  readonly cacheDir: string;
}): Promise<CachedAssembly> {
  const cdkJson = await readCdkJson(options.cwd, options.app === undefined);
  const command = options.app ?? appCommand(cdkJson, options.cwd);
  const key = await synthKey({ cwd: options.cwd, command, cdkJson });
  const root = resolve(options.cwd, options.cacheDir);
  const dir = join(root, key);
  if (existsSync(join(dir, "manifest.json"))) return { dir, key, synthesized: false };
  await mkdir(root, { recursive: true });
  const scratch = join(root, `synth-${randomUUID()}`);
  try {
    await synthesize({ app: command, cwd: options.cwd, outDir: scratch });
    await rename(scratch, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another test file's synth of the same key got there first: theirs is as good as ours.
      if (!existsSync(join(dir, "manifest.json"))) throw error;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { dir, key, synthesized: true };
}
